import GRPCCore
import Logging
import SPIFFE
import SPIFFECA
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The operations behind the admin socket's API, which is SPIRE's (``SPIREEntryService``, ``SPIREAgentService``,
/// ``SPIREBundleService``, ``SPIRESVIDService`` adapt its messages): the stores, the CA and the rules every write
/// shares. Every committed change pokes the entry index so that agents hear of it at once. It serves two methods of
/// Steeple's own: `Health` (`steeple-server healthcheck -verbose`: datastore and CA state, which `grpc.health.v1`
/// cannot carry) and `Explain` (`steeple-server debug explain`, `AdminAPIService+Explain.swift`).
struct AdminAPIService: Steeple_Server_V1_AdminAPI.SimpleServiceProtocol {
    /// The largest request message the admin socket accepts (gRPC's usual 4 MiB); a bigger one fails with
    /// `resourceExhausted` before it is buffered.
    static let maximumRequestBytes = 4 * 1024 * 1024

    let trustDomain: TrustDomain
    let entryStore: any RegistrationEntryStore
    let nodes: any AttestedNodeStore
    let bundles: any BundleStore
    let joinTokens: any JoinTokenStore
    /// The own bundle as published, and the signing authority's validity (which bounds entry TTLs).
    let trustBundle: any TrustBundleSource
    /// `x509 mint` and `jwt mint`.
    let issuer: any SVIDIssuer
    /// Told after every committed change.
    let changes: any ChangeNotifier
    /// Cached agent authentications, dropped on evict and ban.
    let authentication: AgentAuthenticationCache
    /// The entries `Explain` considers.
    let explanations: any EntryExplanationSource
    let logger: Logger
    let now: @Sendable () -> Date

    func health(request: Steeple_Server_V1_HealthRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_HealthResponse {
        await Health.check(bundles: bundles, authority: trustBundle, now: now)
    }

    /// Stores a join token (`value`, or a random UUID) that expires after `ttl`; with `aliasID`, also an entry
    /// parented to the token's agent ID that makes `aliasID` an alias of that agent, as SPIRE does.
    func issueJoinToken(value: String?, ttl: TTL, aliasID: SPIFFEID?, context: GRPCCore.ServerContext) async throws -> (value: String, expiresAt: UnixTime) {
        let value = value ?? UUID().uuidString.lowercased()
        let agentID: SPIFFEID
        do {
            agentID = try SPIFFEID(trustDomain: trustDomain, segments: ["spire", "agent", "join_token", value])
        } catch {
            throw APIRefusal(.invalidRequest, "token \(EntryValidator.quoted(value)) cannot be part of an agent ID: \(error.message)")
        }
        var alias: RegistrationEntry?
        if let aliasID {
            let entry = RegistrationEntry(
                spiffeID: aliasID,
                parentID: agentID,
                selectors: [try Selector(type: "spiffe_id", value: agentID.string)],
                createdAt: now()
            )
            do {
                try validate(entry)
            } catch {
                throw APIRefusal(.invalidRequest, error.message)
            }
            alias = entry
        }
        guard let expiresAt = try? UnixTime(now()).adding(ttl) else {
            throw APIRefusal(.invalidRequest, "ttl \(ttl.seconds) would expire the token after the year 9999")
        }
        _ = try await joinTokens.createJoinToken(JoinToken(token: value, expiresAt: expiresAt.date))
        if let alias { _ = try await entryStore.createEntry(alias) }
        changes.poke()
        // Never the token itself (nor the agent ID, which holds it).
        logger.notice("join token generated", metadata: [
            "caller": "\(AdminCaller(context))", "expires_at": "\(expiresAt.seconds)",
            "alias_id": "\(alias.map { $0.spiffeID.string } ?? "")", "alias_entry_id": "\(alias?.id ?? "")",
        ])
        return (value, expiresAt)
    }
}
