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
/// A pass runs at start, a second after the earliest entry expiry it knows of, and at least every ``maximumWait``
/// (which is also how often agents are pruned); a newly written expiring entry only moves the next pass earlier.
/// No ticking every few seconds.
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
                let failed = await pruneOnce(at: now())
                let latest = now().addingTimeInterval(maximumWait)
                while !Task.isCancelled {
                    // A second past the expiry: the stores keep whole seconds and delete what is strictly before the
                    // cutoff. An expiry already past (the index not yet told of the deletion) is looked at in 1 s,
                    // or in 10 s after a failed pass.
                    let expiry = earliestEntryExpiry().map { $0.addingTimeInterval(1) } ?? .distantFuture
                    let due = min(latest, max(expiry, now().addingTimeInterval(failed ? 10 : 1)))
                    let wait = due.timeIntervalSince(now())
                    if wait <= 0 { break }
                    await expiringEntryChanged.wait(timeout: .milliseconds(Int(wait * 1000)))
                    if now() >= due { break }
                    // Woken by a newly written expiring entry: recompute when the next pass is due.
                }
            }
        }
    }

    /// One pass; failures are logged and retried on the next pass. Returns whether any part failed.
    @discardableResult
    func pruneOnce(at date: Date) async -> Bool {
        var failed = false
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
            failed = true
            logger.error("Failed pruning registration entries", metadata: ["error": "\(error)"])
        }
        do {
            let count = try await joinTokens.pruneJoinTokens(expiredBefore: date)
            if count > 0 { logger.info("pruned expired join tokens", metadata: ["count": "\(count)"]) }
        } catch {
            failed = true
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
                failed = true
                logger.error("Failed during periodic pruning of expired nodes", metadata: ["error": "\(error)"])
            }
        }
        if pruned { changes.poke() }
        return failed
    }
}
