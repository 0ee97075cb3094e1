import GRPCCore

/// Adds the security header `workload.spiffe.io: true` to every call (Workload Endpoint §3, SPEC §6.4): a server
/// answers `InvalidArgument` to any request without it.
struct SecurityHeaderInterceptor: ClientInterceptor {
    static let key = "workload.spiffe.io"

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString("true", forKey: Self.key)
        return try await next(request, context)
    }
}
