import GRPCCore
import SteepleHTTP
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
            explanations: index,
            logger: logger,
            now: now
        )
    }

    /// SPIRE's server API: thin adapters over the admin and agent services' operations. The same services answer on
    /// the admin socket and on the agent port; who may call what is ``SPIREAuthorization``'s.
    func spireServices(
        attestors: [String: any NodeAttestor],
        svidChain: @escaping @Sendable () -> [Certificate],
        startedAt: ContinuousClock.Instant,
        refresher: any FederatedBundleRefreshing
    ) -> [any RegistrableRPCService] {
        let admin = adminAPIService()
        let api = spireAPI(admin: admin, agents: agentAPIService(attestors: attestors), refresher: refresher)
        return [
            api.entries, api.agents, api.bundles, api.svids,
            SPIREDebugService(admin: admin, svidChain: svidChain, startedAt: startedAt),
            api.trustDomains,
            SPIRELocalAuthorityService(authorities: ca, changes: index),
            GRPCHealthService(admin: admin),
        ]
    }

    /// SPIRE's Entry, Agent, Bundle, SVID and TrustDomain services over `admin` and `agents`: what the server serves
    /// and what the fuzz targets call (``InProcessServer``).
    func spireAPI(admin: AdminAPIService, agents: AgentAPIService, refresher: any FederatedBundleRefreshing) -> SPIREAPIServices {
        SPIREAPIServices(
            entries: SPIREEntryService(admin: admin, entries: index),
            agents: SPIREAgentService(admin: admin, agents: agents),
            bundles: SPIREBundleService(admin: admin, appender: ca),
            svids: SPIRESVIDService(admin: admin, agents: agents),
            trustDomains: SPIRETrustDomainService(trustDomain: trustDomain, relationships: store, bundles: store, refresher: refresher, changes: index)
        )
    }

    /// Keeps federated bundles fresh, for the relationships in `configuration` and in the store.
    func federatedBundleRefresher(configuration: FederationConfiguration) -> FederatedBundleRefresher {
        FederatedBundleRefresher(
            ownTrustDomain: trustDomain,
            configured: configuration.federatesWith,
            relationships: store,
            bundles: store,
            client: BundleEndpointClient(webTrustRoots: { try SystemTrustRoots.roots(environment: ProcessInfo.processInfo.environment) }),
            changes: index,
            logger: logger
        )
    }

    func agentAPIService(attestors: [String: any NodeAttestor]) -> AgentAPIService {
        AgentAPIService(
            trustDomain: trustDomain,
            nodes: store,
            bundles: store,
            trustBundle: ca,
            issuer: issuer,
            entries: index,
            snapshotPages: snapshotPages,
            changes: index,
            authentication: agentAuthentication,
            rejections: rejections,
            audit: audit,
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

/// The SPIRE API services that take requests (Debug and Health are built beside them).
struct SPIREAPIServices {
    let entries: SPIREEntryService
    let agents: SPIREAgentService
    let bundles: SPIREBundleService
    let svids: SPIRESVIDService
    let trustDomains: SPIRETrustDomainService
}
