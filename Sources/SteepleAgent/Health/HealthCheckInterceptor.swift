import GRPCCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `steeple-agent healthcheck` marks its Workload API call with ``header``; such a call fails with `Unavailable`
/// and the reason when the agent cannot serve valid SVIDs (``AgentHealth/unhealthyReason(now:)``), so the command
/// tells the truth instead of merely seeing that the socket answers; so does any `Unavailable` the call itself ends
/// with (nothing to serve and no way to get it). Other callers are not affected.
struct HealthCheckInterceptor: ServerInterceptor {
    static let header = "steeple-healthcheck"
    let health: AgentHealth

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard request.metadata[stringValues: Self.header].contains(where: { _ in true }) else {
            return try await next(request, context)
        }
        if let reason = health.unhealthyReason(now: Date()) {
            throw Self.unhealthy(reason)
        }
        // The agent may still be unable to serve this call (never synced and the server unreachable): the service's
        // own Unavailable, with its reason, is the healthcheck's answer too.
        var response: StreamingServerResponse<Output>
        do {
            response = try await next(request, context)
        } catch let error as RPCError where error.code == .unavailable {
            throw Self.unhealthy(error.message)
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    return try await producer(writer)
                } catch let error as RPCError where error.code == .unavailable {
                    throw Self.unhealthy(error.message)
                }
            }
            response.accepted = .success(contents)
        case .failure(let error) where error.code == .unavailable:
            response.accepted = .failure(Self.unhealthy(error.message))
        case .failure:
            break
        }
        return response
    }

    static func unhealthy(_ reason: String) -> RPCError {
        RPCError(code: .unavailable, message: "agent is unhealthy: \(reason)")
    }
}
