import GRPCCore
import SteepleServerAPIProto

/// Authenticates the caller of every agent API call but `AttestAgent` (an agent attests before it has an SVID)
/// before any handler runs, and hands the handler the result as ``AuthenticatedAgent/current`` — for the handler
/// and, for streaming calls, for the response producer too. A call that fails authentication never reaches a handler.
struct AgentAuthenticationInterceptor: ServerInterceptor {
    let authenticator: AgentAuthenticator

    static let unauthenticatedMethods: Set<MethodDescriptor> = [Steeple_Server_V1_AgentAPI.Method.AttestAgent.descriptor]

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard !Self.unauthenticatedMethods.contains(context.descriptor) else {
            return try await next(request, context)
        }
        let agent = AuthenticatedAgent(node: try await authenticator.authenticate(context))
        var response = try await AuthenticatedAgent.$current.withValue(agent) { try await next(request, context) }
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in
                try await AuthenticatedAgent.$current.withValue(agent) { try await producer(writer) }
            }
            response.accepted = .success(contents)
        }
        return response
    }
}
