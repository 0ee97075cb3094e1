import SteepleTelemetry
import GRPCCore
import Logging
import SPIFFE
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Follows the server's `SyncEntries` stream: a snapshot in pages, then every change as it is committed. Applies
/// each message to the cache at once; returns only when the stream ends (which it does not on its own).
struct EntrySync: Sendable {
    let cache: WorkloadCache
    /// Loses the JWT-SVIDs of tainted and revoked keys when a bundle arrives.
    let jwtCache: JWTSVIDCache
    let state: AgentStateStore
    let logger: Logger

    func run(client: ServerConnection.Client, onMessage: @escaping @Sendable () -> Void) async throws {
        let cache = self.cache
        let jwtCache = self.jwtCache
        let state = self.state
        let logger = self.logger
        // Fail at once when this connection cannot be made, instead of waiting through grpc's own connect backoff
        // (up to minutes): the server link reconnects with its own jittered 1.5 s-capped backoff on a fresh connection.
        var options = CallOptions.defaults
        options.waitForReady = false
        try await client.syncEntries(request: ClientRequest(message: Steeple_Server_V1_SyncEntriesRequest()), options: options) { response in
            var snapshot: [AgentEntry] = []
            for try await message in response.messages {
                onMessage()
                // SPIRE's `manager.sync.fetch_entries_updates` call counter: here one per update the server pushed.
                let call = CallCounter("manager.sync.fetch_entries_updates")
                defer { call.done() }
                let trustDomain = cache.trustDomain
                if message.hasBundle {
                    let bundle = try SPIFFEBundle(trustDomain: trustDomain, json: Array(message.bundle.spiffeBundleJson))
                    let federated = try message.federatedBundles.map { try SPIFFEBundle(trustDomain: TrustDomain($0.trustDomain), json: Array($0.spiffeBundleJson)) }
                    cache.setBundles(bundle, federated: federated, activeX509KeyID: Array(message.activeX509AuthorityKeyID))
                    let tainted = Set(message.taintedJwtKeyIds)
                    // SPIRE's agent's line and fields (its force-rotation suite greps them).
                    let droppedTainted = jwtCache.drop(signedBy: tainted)
                    if droppedTainted > 0 {
                        logger.info("JWT-SVIDs were removed from the JWT cache because they were issued by a tainted authority", metadata: [
                            "count_jwt_svids": "\(droppedTainted)", "jwt_authority_key_ids": "\(tainted.sorted().joined(separator: ","))",
                        ])
                    }
                    let droppedRevoked = jwtCache.drop(keeping: Set(bundle.jwtAuthorities.keys))
                    if droppedRevoked > 0 {
                        logger.info("JWT-SVIDs were removed from the JWT cache because their key left the bundle", metadata: ["count_jwt_svids": "\(droppedRevoked)"])
                    }
                    logger.debug("bundles updated", metadata: [
                        "bundle_sequence": "\(bundle.sequenceNumber ?? 0)",
                        "federated": "\(federated.map { "\($0.trustDomain.name)@\($0.sequenceNumber ?? 0)" }.joined(separator: ","))",
                        "sequence": "\(message.sequence)",
                    ])
                    do { try state.saveBundle(bundle) } catch { logger.warning("could not save the bundle", metadata: ["error": "\(error)"]) }
                } else if !message.federatedBundles.isEmpty {
                    let federated = try message.federatedBundles.map { try SPIFFEBundle(trustDomain: TrustDomain($0.trustDomain), json: Array($0.spiffeBundleJson)) }
                    cache.setBundles(nil, federated: federated)
                }
                var upserted: [AgentEntry] = []
                for proto in message.upserted {
                    do {
                        upserted.append(try AgentEntry(proto: proto))
                    } catch {
                        logger.warning("skipping an entry the agent cannot read", metadata: ["entry_id": "\(proto.id)", "error": "\(error)"])
                    }
                }
                let changes = EntryChangeLog(logger: logger)
                if message.snapshot {
                    snapshot += upserted
                    if message.snapshotComplete {
                        if changes.enabled { changes.log(before: cache.read { $0.entries }, snapshot: snapshot) }
                        cache.replaceEntries(snapshot)
                        logger.info("entries synced", metadata: ["entries": "\(snapshot.count)", "sequence": "\(message.sequence)"])
                        snapshot = []
                    }
                } else {
                    if changes.enabled { changes.log(before: cache.read { $0.entries }, upserted: upserted, deleted: message.deletedEntryIds) }
                    cache.apply(upserted: upserted, deleted: message.deletedEntryIds)
                    logger.debug("entries changed", metadata: ["upserted": "\(upserted.count)", "deleted": "\(message.deletedEntryIds.count)", "sequence": "\(message.sequence)"])
                }
                cache.recordSync(at: Date())
            }
        }
    }
}
