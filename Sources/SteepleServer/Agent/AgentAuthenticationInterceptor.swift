import GRPCCore
import SteepleServerAPIProto

/// Authenticates the caller of every call of Steeple's agent API but `AttestAgent` (an agent attests before it has
/// an SVID) before any handler runs, and hands the handler the result as ``AuthenticatedAgent/current`` — for the
/// handler and, for streaming calls, for the response producer too. A call that fails authentication never reaches a
/// handler. SPIRE's API on the same port is ``SPIRERemoteAuthorizationInterceptor``'s.
struct AgentAuthenticationInterceptor: ServerInterceptor {
    let authenticator: AgentAuthenticator

    static let unauthenticatedMethods: Set<MethodDescriptor> = [Steeple_Server_V1_AgentAPI.Method.AttestAgent.descriptor]

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.descriptor.service == Steeple_Server_V1_AgentAPI.descriptor,
            !Self.unauthenticatedMethods.contains(context.descriptor)
        else {
            return try await next(request, context)
        }
        let agent = AuthenticatedAgent(node: try await authenticator.authenticate(context))
        return try await agent.run(request, context, next)
    }
}

extension AuthenticatedAgent {
    /// Runs the handler of a call as this agent's: the handler and, for streaming calls, the response producer see
    /// it as ``current``.
    func run<Input: Sendable, Output: Sendable>(
        _ request: StreamingServerRequest<Input>,
        _ context: ServerContext,
        _ next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        var response = try await Self.$current.withValue(self) { try await next(request, context) }
        if case .success(var contents) = response.accepted {
            let producer = contents.producer
            contents.producer = { writer in
                try await Self.$current.withValue(self) { try await producer(writer) }
            }
            response.accepted = .success(contents)
        }
        return response
    }
}
