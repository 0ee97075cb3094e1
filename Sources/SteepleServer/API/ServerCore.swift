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

/// What the API handlers share: the store, the issuer, the CA's published state, the entry index, the clock.
/// Signing is never done here: handlers ask ``issuer`` (``SVIDIssuer``), which validates what it returns.
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
    let now: @Sendable () -> Date

    /// Signs every credential the server hands out.
    var issuer: any SVIDIssuer { ca.issuer }

    var serverID: SPIFFEID { try! SPIFFEID(trustDomain: trustDomain, path: "/spire/server") }

    var validator: EntryValidator {
        let authority = ca.certificateAuthority.x509Authority
        let lifetime = authority.notAfter.timeIntervalSince(authority.certificate.notValidBefore)
        return EntryValidator(trustDomain: trustDomain, maximumTTLSeconds: Int(lifetime))
    }

    /// Builds the core of a server (`steeple-server run` and the in-process server of `steeple-fuzz` alike): starts
    /// the CA over `store` and `keyManager` (loading or creating its authorities) and loads the entry index.
    static func make(
        configuration: ServerConfiguration,
        store: any Datastore & ChangeLogStore & CAJournalStore,
        keyManager: any KeyManager,
        upstream: DiskUpstreamAuthority? = nil,
        logger: Logger,
        now: @escaping @Sendable () -> Date
    ) async throws -> ServerCore {
        let settings = CAManager.Settings(
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
                jwtIssuer: configuration.jwtIssuer
            )
        )
        let ca = try await CAManager.start(settings: settings, keyManager: keyManager, store: store, logger: logger, clock: now)
        let agentAuthentication = AgentAuthenticationCache()
        // Every node change in the change log (from this server's handlers or any other writer) drops that agent's
        // cached authentication.
        let index = EntryIndex(serverID: try SPIFFEID(trustDomain: configuration.trustDomain, path: "/spire/server"), store: store, logger: logger) { changed in
            for id in changed { agentAuthentication.invalidate(agentID: id) }
        }
        try await index.load()
        return ServerCore(
            trustDomain: configuration.trustDomain,
            store: store,
            ca: ca,
            index: index,
            logger: logger,
            rejections: AgentRejectionLog(logger: logger),
            agentAuthentication: agentAuthentication,
            now: now
        )
    }
}
