import Logging
import SPIFFE
import ServiceLifecycle
import SteepleDatastore
import SteepleSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Keeps the datastore from growing forever: deletes entries past their `expiresAt` (`entry create -entryExpiry`)
/// as they expire, expired join tokens, and — with `prune_attested_nodes_expired_for` — agents whose SVID expired
/// longer ago than that (banned ones stay; those that cannot re-attest only with `prune_tofu_nodes`). Each deletion is
/// the store's own single transaction with its change-log events, so concurrent writers are safe and the entry index
/// tells the agents at once.
///
/// It sleeps until the earliest entry expiry it knows of, or until an entry with an expiry is written, and at most
/// ``maximumWait`` (when agents are pruned), never ticking every few seconds.
struct PruningService: Service {
    let entries: any RegistrationEntryStore
    let joinTokens: any JoinTokenStore
    let nodes: any AttestedNodeStore
    let changes: any ChangeNotifier
    /// The earliest expiry among the entries (the entry index holds them all).
    let earliestEntryExpiry: @Sendable () -> Date?
    /// Signalled when an entry with an expiry is written (the entry index's ``EntryIndex/expiringEntryChanged``).
    let expiringEntryChanged: WakeSignal
    let nodesExpiredFor: Duration?
    let includeNonReattestable: Bool
    let logger: Logger
    let now: @Sendable () -> Date
    var maximumWait: TimeInterval = 60

    func run() async throws {
        try await untilGracefulShutdown {
            while !Task.isCancelled {
                await pruneOnce(at: now())
                // Just past the next expiry (stored times have whole seconds), so the entry is strictly before `now`.
                let untilExpiry = (earliestEntryExpiry() ?? .distantFuture).timeIntervalSince(now()) + 0.5
                // An expiry already past (the index not yet told of the deletion, or a failed pass): look again in 1 s.
                let wait = untilExpiry > 0 ? min(untilExpiry, maximumWait) : 1
                await expiringEntryChanged.wait(timeout: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    /// One pass; failures are logged and retried on the next pass.
    func pruneOnce(at date: Date) async {
        var pruned = false
        do {
            let deleted = try await entries.pruneEntries(expiredBefore: date)
            if !deleted.isEmpty {
                pruned = true
                logger.info("pruned expired registration entries", metadata: [
                    "count": "\(deleted.count)", "entry_ids": "\(deleted.prefix(10).map(\.value.id).joined(separator: ","))",
                ])
            }
        } catch {
            logger.error("Failed pruning registration entries", metadata: ["error": "\(error)"])
        }
        do {
            let count = try await joinTokens.pruneJoinTokens(expiredBefore: date)
            if count > 0 { logger.info("pruned expired join tokens", metadata: ["count": "\(count)"]) }
        } catch {
            logger.error("Failed pruning join tokens", metadata: ["error": "\(error)"])
        }
        if let nodesExpiredFor {
            do {
                let before = date.addingTimeInterval(-TimeInterval(nodesExpiredFor.components.seconds))
                let deleted = try await nodes.pruneNodes(expiredBefore: before, includeNonReattestable: includeNonReattestable)
                if !deleted.isEmpty {
                    pruned = true
                    logger.info("pruned expired agents", metadata: [
                        "count": "\(deleted.count)", "expired_for": "\(nodesExpiredFor)",
                        "spiffe_ids": "\(deleted.prefix(10).map(\.value.spiffeID.string).joined(separator: ","))",
                    ])
                }
            } catch {
                logger.error("Failed during periodic pruning of expired nodes", metadata: ["error": "\(error)"])
            }
        }
        if pruned { changes.poke() }
    }
}
