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

    /// The entries by leaf, and each agent's leaves, so that dropping an agent's entries costs its own few leaves, not
    /// a pass over every agent's (a node change per attesting agent made that quadratic: 0.9 s of a 1,000-agent start).
    private struct State {
        var byLeaf: [Certificate: Entry] = [:]
        var leavesByAgent: [SPIFFEID: [Certificate]] = [:]

        mutating func remove(_ leaf: Certificate) {
            guard let entry = byLeaf.removeValue(forKey: leaf) else { return }
            let agentID = entry.node.spiffeID
            leavesByAgent[agentID]?.removeAll { $0 == leaf }
            if leavesByAgent[agentID]?.isEmpty == true { leavesByAgent[agentID] = nil }
        }
    }

    /// Beyond this many entries the cache is emptied before the next insert (agents simply verify once more).
    let capacity: Int
    private let state = Mutex(State())
    // Atomics, not a second lock: every agent API call passes here.
    private let hitCount = Atomic<Int>(0)
    private let missCount = Atomic<Int>(0)

    init(capacity: Int = 16384) {
        self.capacity = capacity
    }

    /// The node authenticated for `leaf`, when it is still good for `bundleSequence` at `now`.
    func lookup(leaf: Certificate, bundleSequence: UInt64, now: Date) -> AttestedNode? {
        let node: AttestedNode? = state.withLock { state in
            guard let entry = state.byLeaf[leaf] else { return nil }
            guard entry.bundleSequence == bundleSequence, now < entry.notAfter else {
                state.remove(leaf)
                return nil
            }
            return entry.node
        }
        if node == nil { missCount.add(1, ordering: .relaxed) } else { hitCount.add(1, ordering: .relaxed) }
        return node
    }

    func remember(leaf: Certificate, node: AttestedNode, bundleSequence: UInt64) {
        state.withLock { state in
            if state.byLeaf.count >= capacity {
                state.byLeaf.removeAll(keepingCapacity: true)
                state.leavesByAgent.removeAll(keepingCapacity: true)
            }
            // A leaf names one agent; should a record come back under another ID, the old pairing goes first.
            if let previous = state.byLeaf[leaf], previous.node.spiffeID != node.spiffeID { state.remove(leaf) }
            if state.byLeaf.updateValue(Entry(node: node, bundleSequence: bundleSequence, notAfter: leaf.notValidAfter), forKey: leaf) == nil {
                state.leavesByAgent[node.spiffeID, default: []].append(leaf)
            }
        }
    }

    /// Forgets every certificate of `agentID`: its next call is verified and read from the store again.
    func invalidate(agentID: SPIFFEID) {
        state.withLock { state in
            guard let leaves = state.leavesByAgent.removeValue(forKey: agentID) else { return }
            for leaf in leaves { state.byLeaf[leaf] = nil }
        }
    }

    var count: Int { state.withLock { $0.byLeaf.count } }

    /// The number of agents with a cached leaf (for tests: the per-agent index follows the entries).
    var agentCount: Int { state.withLock { $0.leavesByAgent.count } }
    var hits: Int { hitCount.load(ordering: .relaxed) }
    var misses: Int { missCount.load(ordering: .relaxed) }
}
