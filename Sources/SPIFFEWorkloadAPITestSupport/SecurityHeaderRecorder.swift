package import GRPCCore
import Synchronization

/// The server side of the security header (SPEC §6.4): records the values each method received and refuses a call
/// without exactly one `workload.spiffe.io: true`, as SPIRE does.
package final class SecurityHeaderRecorder: ServerInterceptor, Sendable {
    private let seen = Mutex<[String: [[String]]]>([:])

    package init() {}

    /// The header values of each call, by method name.
    package var valuesByMethod: [String: [[String]]] { seen.withLock { $0 } }

    package func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let values = Array(request.metadata[stringValues: "workload.spiffe.io"])
        seen.withLock { $0[context.descriptor.method, default: []].append(values) }
        guard values == ["true"] else {
            throw RPCError(code: .invalidArgument, message: "security header missing from request")
        }
        return try await next(request, context)
    }
}
