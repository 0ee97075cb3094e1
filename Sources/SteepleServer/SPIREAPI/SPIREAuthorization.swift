import GRPCCore
import SPIFFE
import X509

/// Who may call which method of SPIRE's server API: SPIRE's authorization table (its `policy_data.json`), method by
/// method. A caller is `local` on the admin socket; over TCP it is an `admin` (an SVID in `admin_ids` or of an
/// `-admin` entry), an `agent` (a current agent SVID) or a `downstream` server (an SVID of a `-downstream` entry);
/// `any` lets everyone in.
enum SPIREAuthorization {
    enum Caller: Hashable, Sendable {
        case any, local, admin, agent, downstream
    }

    /// The callers each method admits, keyed by `package.Service/Method`.
    static let policy: [String: Set<Caller>] = {
        var policy: [String: Set<Caller>] = [:]
        func allow(_ service: String, _ methods: [String], _ callers: Set<Caller>) {
            for method in methods { policy["spire.api.server.\(service)/\(method)"] = callers }
        }
        allow("svid.v1.SVID", ["MintX509SVID", "MintJWTSVID", "MintWITSVID"], [.admin, .local])
        allow("svid.v1.SVID", ["BatchNewX509SVID", "NewJWTSVID", "BatchNewWITSVID"], [.agent])
        allow("svid.v1.SVID", ["NewDownstreamX509CA"], [.downstream])
        allow("bundle.v1.Bundle", ["GetBundle"], [.any])
        allow("bundle.v1.Bundle", ["PublishJWTAuthority", "PublishWITAuthority"], [.downstream])
        allow("bundle.v1.Bundle", [
            "AppendBundle", "CountBundles", "ListFederatedBundles", "BatchCreateFederatedBundle", "BatchUpdateFederatedBundle",
            "BatchSetFederatedBundle", "BatchDeleteFederatedBundle",
        ], [.admin, .local])
        allow("bundle.v1.Bundle", ["GetFederatedBundle"], [.admin, .local, .agent])
        allow("debug.v1.Debug", ["GetInfo"], [.local])
        allow("entry.v1.Entry", ["CountEntries", "ListEntries", "GetEntry", "BatchCreateEntry", "BatchUpdateEntry", "BatchDeleteEntry"], [.admin, .local])
        allow("entry.v1.Entry", ["GetAuthorizedEntries", "SyncAuthorizedEntries"], [.agent])
        allow("logger.v1.Logger", ["GetLogger", "SetLogLevel", "ResetLogLevel"], [.local])
        allow("agent.v1.Agent", ["CountAgents", "ListAgents", "GetAgent", "DeleteAgent", "BanAgent", "CreateJoinToken"], [.admin, .local])
        allow("agent.v1.Agent", ["AttestAgent"], [.any])
        allow("agent.v1.Agent", ["RenewAgent", "PostStatus"], [.agent])
        allow("trustdomain.v1.TrustDomain", [
            "ListFederationRelationships", "GetFederationRelationship", "BatchCreateFederationRelationship",
            "BatchUpdateFederationRelationship", "BatchDeleteFederationRelationship", "RefreshBundle",
        ], [.admin, .local])
        allow("localauthority.v1.LocalAuthority", [
            "GetJWTAuthorityState", "PrepareJWTAuthority", "ActivateJWTAuthority", "TaintJWTAuthority", "RevokeJWTAuthority",
            "GetX509AuthorityState", "PrepareX509Authority", "ActivateX509Authority", "TaintX509Authority",
            "TaintX509UpstreamAuthority", "RevokeX509Authority", "RevokeX509UpstreamAuthority",
            "GetWITAuthorityState", "PrepareWITAuthority", "ActivateWITAuthority", "TaintWITAuthority", "RevokeWITAuthority",
        ], [.admin, .local])
        for method in ["Check", "List", "Watch"] { policy["grpc.health.v1.Health/\(method)"] = [.local] }
        return policy
    }()

    /// Whether a caller that is all of `caller` may call `method`. Methods outside SPIRE's API (Steeple's own admin
    /// API on the admin socket) are not in the table and are left to their own checks.
    static func admits(_ method: MethodDescriptor, caller: Set<Caller>) -> Bool {
        guard let allowed = policy[method.fullyQualifiedMethod] else { return true }
        return allowed.contains(.any) || !allowed.isDisjoint(with: caller)
    }

    /// SPIRE's refusal.
    static func denied(_ context: ServerContext) -> RPCError {
        RPCError(code: .permissionDenied, message: "authorization denied for method /\(context.descriptor.fullyQualifiedMethod)")
    }
}

/// Applies ``SPIREAuthorization`` on the admin socket, where every caller is `local`.
struct SPIRELocalAuthorizationInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard SPIREAuthorization.admits(context.descriptor, caller: [.local]) else {
            throw SPIREAuthorization.denied(context)
        }
        return try await next(request, context)
    }
}

/// Applies ``SPIREAuthorization`` on the agent port (TCP, TLS): `any` methods pass; agent methods need a current
/// agent X509-SVID, checked by ``AgentAuthenticator`` and handed to the handler as ``AuthenticatedAgent/current``;
/// admin and downstream methods need an SVID that ``SPIRERemoteCallerAuthenticator`` finds to be one.
struct SPIRERemoteAuthorizationInterceptor: ServerInterceptor {
    let trustDomain: TrustDomain
    let authenticator: AgentAuthenticator
    let callers: SPIRERemoteCallerAuthenticator

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard let allowed = SPIREAuthorization.policy[context.descriptor.fullyQualifiedMethod] else {
            return try await next(request, context)
        }
        if allowed.contains(.any) { return try await next(request, context) }
        let adminOrDownstream = !allowed.isDisjoint(with: [.admin, .downstream])
        // An agent's SVID names /spire/agent/…; anything else asking for an agent-and-admin method is checked as an
        // admin (GetFederatedBundle is the one such method).
        if allowed.contains(.agent), !adminOrDownstream || presentsAgentID(context) {
            let agent = AuthenticatedAgent(node: try await authenticator.authenticate(context))
            return try await agent.run(request, context, next)
        }
        guard adminOrDownstream, !(await callers.roles(context)).isDisjoint(with: allowed) else {
            throw SPIREAuthorization.denied(context)
        }
        return try await next(request, context)
    }

    /// Whether the presented leaf's URI SAN is an agent ID of this trust domain (unverified: only which check to run
    /// depends on it).
    private func presentsAgentID(_ context: ServerContext) -> Bool {
        guard let leaf = AgentAuthenticator.peerChain(context).first,
            let names = try? leaf.extensions.subjectAlternativeNames
        else { return false }
        return names.contains { name in
            guard case .uniformResourceIdentifier(let uri) = name, let id = try? SPIFFEID(uri) else { return false }
            return id.trustDomain == trustDomain && id.path.hasPrefix("/spire/agent/")
        }
    }
}
