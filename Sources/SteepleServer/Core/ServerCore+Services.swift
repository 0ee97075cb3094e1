import GRPCCore
import X509

/// The composition of the API handlers: each gets the few narrow dependencies it uses, never the core itself.
extension ServerCore {
    func adminAPIService() -> AdminAPIService {
        AdminAPIService(
            trustDomain: trustDomain,
            entryStore: store,
            nodes: store,
            bundles: store,
            joinTokens: store,
            trustBundle: ca,
            issuer: issuer,
            changes: index,
            authentication: agentAuthentication,
            logger: logger,
            now: now
        )
    }

    /// SPIRE's server API: thin adapters over the admin and agent services' operations. The same services answer on
    /// the admin socket and on the agent port; who may call what is ``SPIREAuthorization``'s.
    func spireServices(
        attestors: [String: any NodeAttestor],
        svidChain: @escaping @Sendable () -> [Certificate],
        startedAt: ContinuousClock.Instant
    ) -> [any RegistrableRPCService] {
        let admin = adminAPIService()
        let agents = agentAPIService(attestors: attestors)
        return [
            SPIREEntryService(admin: admin, entries: index),
            SPIREAgentService(admin: admin, agents: agents),
            SPIREBundleService(admin: admin),
            SPIRESVIDService(admin: admin, agents: agents),
            SPIREDebugService(admin: admin, svidChain: svidChain, startedAt: startedAt),
            GRPCHealthService(admin: admin),
        ]
    }

    func agentAPIService(attestors: [String: any NodeAttestor]) -> AgentAPIService {
        AgentAPIService(
            trustDomain: trustDomain,
            nodes: store,
            bundles: store,
            trustBundle: ca,
            issuer: issuer,
            entries: index,
            changes: index,
            authentication: agentAuthentication,
            rejections: rejections,
            logger: logger,
            now: now,
            attestors: attestors
        )
    }

    /// Authenticates agent API callers; `cache` `nil` checks every call in full.
    func agentAuthenticator(cache: AgentAuthenticationCache?) -> AgentAuthenticator {
        AgentAuthenticator(trustBundle: ca, nodes: store, rejections: rejections, now: now, cache: cache)
    }
}
