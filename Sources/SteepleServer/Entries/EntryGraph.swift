import SPIFFE
import SteepleDatastore

/// The registration entries and attested nodes as a graph, derived from the store and never written to directly:
/// which entries an agent is authorized for is every entry reachable from the agent's ID through parent IDs,
/// including through node aliases (entries parented to `spiffe://<td>/spire/server` whose selectors are a subset
/// of the agent's node selectors) — SPIRE's rule. As in SPIRE, an alias entry itself is not one of them: it groups
/// agents, it names no workload, so no agent is sent it or may have an SVID signed for its ID.
struct EntryGraph: Sendable {
    let serverID: SPIFFEID
    private(set) var entries: [String: RegistrationEntry] = [:]
    private var childrenByParent: [SPIFFEID: EntryIDSet] = [:]
    private var aliasEntryIDs: Set<String> = []
    /// Entry IDs by the SPIFFE ID they issue, to walk from an entry up to an agent.
    private var idsBySPIFFEID: [SPIFFEID: EntryIDSet] = [:]
    private(set) var nodeSelectors: [SPIFFEID: Set<Selector>] = [:]

    init(serverID: SPIFFEID) {
        self.serverID = serverID
    }

    /// Makes room for `count` entries at once (a load), instead of growing the tables step by step.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        idsBySPIFFEID.reserveCapacity(count)
    }

    /// Adds or replaces an entry; returns the previous version.
    @discardableResult
    mutating func upsert(_ entry: RegistrationEntry) -> RegistrationEntry? {
        // One look-up of the ID: a new entry (every entry of a load) is not removed first.
        let previous = entries.updateValue(entry, forKey: entry.id)
        if let previous { unindex(previous) }
        childrenByParent[entry.parentID, default: EntryIDSet()].insert(entry.id)
        idsBySPIFFEID[entry.spiffeID, default: EntryIDSet()].insert(entry.id)
        if entry.parentID == serverID { aliasEntryIDs.insert(entry.id) }
        return previous
    }

    /// Removes an entry; returns it.
    @discardableResult
    mutating func remove(id: String) -> RegistrationEntry? {
        guard let entry = entries.removeValue(forKey: id) else { return nil }
        unindex(entry)
        return entry
    }

    /// Takes `entry` out of the indexes (not out of `entries`).
    private mutating func unindex(_ entry: RegistrationEntry) {
        childrenByParent[entry.parentID]?.remove(entry.id)
        if childrenByParent[entry.parentID]?.isEmpty == true { childrenByParent[entry.parentID] = nil }
        idsBySPIFFEID[entry.spiffeID]?.remove(entry.id)
        if idsBySPIFFEID[entry.spiffeID]?.isEmpty == true { idsBySPIFFEID[entry.spiffeID] = nil }
        aliasEntryIDs.remove(entry.id)
    }

    /// Records an attested node's selectors, or forgets the node (`nil`).
    mutating func setNode(_ id: SPIFFEID, selectors: [Selector]?) {
        nodeSelectors[id] = selectors.map(Set.init)
    }

    /// Whether an entry is a node alias (parented to the server).
    func isAlias(_ entry: RegistrationEntry) -> Bool { entry.parentID == serverID }

    /// The entries `agentID` is authorized for (not its aliases themselves), and every ID reachable from it (the
    /// agent, its aliases, and the SPIFFE IDs of its authorized entries).
    func authorization(for agentID: SPIFFEID) -> (entries: [String: RegistrationEntry], reachable: Set<SPIFFEID>) {
        var result: [String: RegistrationEntry] = [:]
        var reachable: Set<SPIFFEID> = [agentID]
        var queue: [SPIFFEID] = [agentID]
        if let selectors = nodeSelectors[agentID] {
            for id in aliasEntryIDs {
                guard let alias = entries[id], Set(alias.selectors).isSubset(of: selectors) else { continue }
                if reachable.insert(alias.spiffeID).inserted { queue.append(alias.spiffeID) }
            }
        }
        while let parent = queue.popLast() {
            for id in childrenByParent[parent] ?? EntryIDSet() {
                guard let entry = entries[id] else { continue }
                result[id] = entry
                if reachable.insert(entry.spiffeID).inserted { queue.append(entry.spiffeID) }
            }
        }
        return (result, reachable)
    }

    /// The entry `id` if `agentID` is authorized for it. Walks from the entry up its parents to the agent (or to an
    /// alias of the agent) instead of collecting everything the agent may use: the cost is the depth of the entry, not
    /// the number of the agent's entries, which matters for per-call checks (batch signing, JWT signing).
    func authorizedEntry(id: String, for agentID: SPIFFEID) -> RegistrationEntry? {
        guard let entry = entries[id], !isAlias(entry) else { return nil }
        var visited: Set<SPIFFEID> = []
        return reaches(entry.parentID, agentID, visited: &visited) ? entry : nil
    }

    private func aliasApplies(_ alias: RegistrationEntry, to agentID: SPIFFEID) -> Bool {
        guard let selectors = nodeSelectors[agentID] else { return false }
        return Set(alias.selectors).isSubset(of: selectors)
    }

    /// Whether `id` is the agent, or the SPIFFE ID of an entry the agent is authorized for.
    private func reaches(_ id: SPIFFEID, _ agentID: SPIFFEID, visited: inout Set<SPIFFEID>) -> Bool {
        if id == agentID { return true }
        guard visited.insert(id).inserted else { return false }
        for entryID in idsBySPIFFEID[id] ?? EntryIDSet() {
            guard let entry = entries[entryID] else { continue }
            if isAlias(entry) {
                if aliasApplies(entry, to: agentID) { return true }
            } else if reaches(entry.parentID, agentID, visited: &visited) {
                return true
            }
        }
        return false
    }
}
