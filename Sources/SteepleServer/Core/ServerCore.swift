import Logging
import SPIFFE
import SPIFFECA
import SteepleDatastore
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The composition root of a server's middle: the store, the CA (and its ``issuer``), the entry index, the agent
/// authentication cache, the clock. Handlers never see it: ``adminAPIService()`` and ``agentAPIService(attestors:)``
/// hand each the few narrow protocols it uses (`ServerCore+Services.swift`).
struct ServerCore: Sendable {
    let trustDomain: TrustDomain
    let store: any Datastore
    let ca: CAManager
    let index: EntryIndex
    let logger: Logger
    /// Refused agent credentials and attestations, logged rate-limited.
    let rejections: AgentRejectionLog
    /// Agents authenticated recently (by leaf certificate), dropped when their node record changes.
    let agentAuthentication: AgentAuthenticationCache
    /// Sync snapshots encoded once per closure (group of agents).
    let snapshotPages = SnapshotPageCache(pageSize: AgentAPIService.snapshotPageSize)
    /// `audit_log_enabled`: the audit lines of admin calls and of every SVID signed.
    let audit: AuditLog
    let now: @Sendable () -> Date

    /// Signs every credential the server hands out.
    var issuer: any SVIDIssuer { MeteredIssuer(issuer: ca.issuer) }

    /// Builds the core of a server (`steeple-server run` and the in-process server of `steeple-fuzz` alike): starts
    /// the CA over `store` and `keyManager` (loading or creating its authorities) and loads the entry index.
    static func make(
        configuration: ServerConfiguration,
        store: any Datastore & ChangeLogStore & CAJournalStore,
        keyManager: any KeyManager,
        upstream: (any UpstreamAuthority)? = nil,
        journalID: String = CAManager.journalID,
        logger: Logger,
        now: @escaping @Sendable () -> Date
    ) async throws -> ServerCore {
        var settings = CAManager.Settings(
            trustDomain: configuration.trustDomain,
            caTTL: configuration.caTTL,
            caKeyType: configuration.caKeyType,
            jwtKeyType: configuration.effectiveJWTKeyType,
            caSubject: configuration.caSubject,
            upstream: upstream,
            issuance: IssuancePolicy(
                x509SVIDTTL: configuration.defaultX509SVIDTTL,
                jwtSVIDTTL: configuration.defaultJWTSVIDTTL,
                agentSVIDTTL: configuration.effectiveAgentTTL,
                jwtIssuer: configuration.jwtIssuer,
                jwtSVIDsDisabled: configuration.disableJWTSVIDs,
                x509CATTL: configuration.caTTL
            )
        )
        settings.journalID = journalID
        settings.sharesBundle = configuration.dataStore.isShared
        let ca = try await CAManager.start(settings: settings, keyManager: keyManager, store: store, logger: logger, clock: now)
        let agentAuthentication = AgentAuthenticationCache()
        // Every node change in the change log (from this server's handlers or any other writer) drops that agent's
        // cached authentication.
        let index = EntryIndex(
            serverID: try SPIFFEID(trustDomain: configuration.trustDomain, path: "/spire/server"), store: store, logger: logger,
            bundlesChanged: { await ca.reloadSharedBundle() }
        ) { changed in
            for id in changed { agentAuthentication.invalidate(agentID: id) }
        }
        try await index.load()
        // The index follows the change log from where its load began; a bundle another server revised between the CA's
        // start and that point would never be re-read (two servers started together could each miss the other's CA).
        await ca.reloadSharedBundle()
        return ServerCore(
            trustDomain: configuration.trustDomain,
            store: store,
            ca: ca,
            index: index,
            logger: logger,
            rejections: AgentRejectionLog(logger: logger),
            agentAuthentication: agentAuthentication,
            audit: AuditLog(enabled: configuration.auditLogEnabled, logger: logger),
            now: now
        )
    }
}
