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

    /// SPIRE's server API for the admin socket: thin adapters over the admin service's operations.
    func spireAdminServices(svidChain: @escaping @Sendable () -> [Certificate], startedAt: ContinuousClock.Instant) -> [any RegistrableRPCService] {
        let admin = adminAPIService()
        return [
            SPIREEntryService(admin: admin),
            SPIREAgentService(admin: admin),
            SPIREBundleService(admin: admin),
            SPIRESVIDService(admin: admin),
            SPIREDebugService(admin: admin, svidChain: svidChain, startedAt: startedAt),
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
