import GRPCCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `steeple-agent healthcheck` marks its Workload API call with ``header``; such a call fails with `Unavailable`
/// and the reason when the agent cannot serve valid SVIDs (``AgentHealth/unhealthyReason(now:)``), so the command
/// tells the truth instead of merely seeing that the socket answers. Other callers are not affected.
struct HealthCheckInterceptor: ServerInterceptor {
    static let header = "steeple-healthcheck"
    let health: AgentHealth

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if request.metadata[stringValues: Self.header].contains(where: { _ in true }),
            let reason = health.unhealthyReason(now: Date()) {
            throw RPCError(code: .unavailable, message: "agent is unhealthy: \(reason)")
        }
        return try await next(request, context)
    }
}
