import SteepleDatastore

/// The caller of an agent API call, as ``AgentAuthenticationInterceptor`` authenticated it: handlers read it instead
/// of authenticating themselves. A call that did not pass through the interceptor has none and is refused.
struct AuthenticatedAgent: Sendable {
    let node: AttestedNode

    @TaskLocal static var current: AuthenticatedAgent?

    /// The authenticated caller of the running call.
    static func required() throws(APIRefusal) -> AuthenticatedAgent {
        guard let current else {
            throw APIRefusal(.noClientCertificate, "no client certificate: present the agent's X509-SVID")
        }
        return current
    }
}
