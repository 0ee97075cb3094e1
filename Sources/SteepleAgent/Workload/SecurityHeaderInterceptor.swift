import GRPCCore

/// SPEC §6.4: every Workload API request carries exactly one `workload.spiffe.io: true`, or gets `InvalidArgument`
/// before any handler runs. Other services on the socket (health) are exempt, as SPIRE exempts SDS.
struct SecurityHeaderInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        if context.descriptor.service.fullyQualifiedService == "SpiffeWorkloadAPI" {
            let values = Array(request.metadata[stringValues: "workload.spiffe.io"])
            guard values == ["true"] else {
                throw RPCError(code: .invalidArgument, message: "security header missing from request")
            }
        }
        return try await next(request, context)
    }
}
