import SPIFFE
import SteepleDatastore
import Synchronization
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Agents the agent API authenticated recently, so that a connection's calls after its first cost a dictionary
/// lookup instead of a chain verification and a datastore read.
///
/// Keyed by the whole leaf certificate (signature included): the TLS layer accepts any chain and proves only that
/// the peer holds the leaf's key, so a certificate that merely copies an agent's serial or subject never matches.
/// A hit also requires that the bundle has not changed since (its sequence number: an authority removed from the
/// bundle stops vouching at once) and that the leaf has not expired. Entries of an agent are dropped when its node
/// record changes — evict, ban, renewal — whoever made the change (``invalidate(agentID:)`` is called by the
/// handlers that change nodes and by the entry index for every node change in the change log).
final class AgentAuthenticationCache: Sendable {
    struct Entry: Sendable {
        var node: AttestedNode
        var bundleSequence: UInt64
        var notAfter: Date
    }

    /// Beyond this many entries the cache is emptied before the next insert (agents simply verify once more).
    let capacity: Int
    private let entries = Mutex<[Certificate: Entry]>([:])
    // Atomics, not a second lock: every agent API call passes here.
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)

    init(capacity: Int = 16384) {
        self.capacity = capacity
    }

    /// The node authenticated for `leaf`, when it is still good for `bundleSequence` at `now`.
    func lookup(leaf: Certificate, bundleSequence: UInt64, now: Date) -> AttestedNode? {
        let node: AttestedNode? = entries.withLock { entries in
            guard let entry = entries[leaf] else { return nil }
            guard entry.bundleSequence == bundleSequence, now < entry.notAfter else {
                entries[leaf] = nil
                return nil
            }
            return entry.node
        }
        if node == nil { missCount.add(1, ordering: .relaxed) } else { hitCount.add(1, ordering: .relaxed) }
        return node
    }

    func remember(leaf: Certificate, node: AttestedNode, bundleSequence: UInt64) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[leaf] = Entry(node: node, bundleSequence: bundleSequence, notAfter: leaf.notValidAfter)
        }
    }

    /// Forgets every certificate of `agentID`: its next call is verified and read from the store again.
    func invalidate(agentID: SPIFFEID) {
        entries.withLock { entries in
            entries = entries.filter { $0.value.node.spiffeID != agentID }
        }
    }

    var count: Int { entries.withLock { $0.count } }
    var hits: Int { hitCount.load(ordering: .relaxed) }
    var misses: Int { missCount.load(ordering: .relaxed) }
}
