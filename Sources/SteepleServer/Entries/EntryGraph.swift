import SPIFFE
import SteepleDatastore
import SteepleSupport

/// The registration entries and attested nodes as a graph, derived from the store and never written to directly:
/// which entries an agent is authorized for is every entry reachable from the agent's ID through parent IDs,
/// including through node aliases (entries parented to `spiffe://<td>/spire/server` whose selectors are a subset
/// of the agent's node selectors) — SPIRE's rule. As in SPIRE, an alias entry itself is not one of them: it groups
/// agents, it names no workload, so no agent is sent it or may have an SVID signed for its ID.
struct EntryGraph: Sendable {
    let serverID: SPIFFEID
    private(set) var entries = EntryTable()
    private var childrenByParent: [SPIFFEID: EntrySlotList] = [:]
    private var aliasSlots: Set<EntrySlot> = []
    /// Entries by the hash of the SPIFFE ID they issue, to walk from an entry up to an agent: a ``SlotHashTable`` (4
    /// bytes a bucket: 8 MB for a million entries, against 50 MB for an `[Int: InlineSet<EntrySlot>]`). Readers compare the
    /// entries' IDs, so two IDs that share a hash stay apart.
    private var slotsBySPIFFEIDHash = SlotHashTable()
    private(set) var nodeSelectors: [SPIFFEID: Set<Selector>] = [:]

    /// The hash of ``slotsBySPIFFEIDHash``: `hashValue`, or in tests one that collides.
    private let spiffeIDHash: @Sendable (SPIFFEID) -> Int

    init(serverID: SPIFFEID, spiffeIDHash: @escaping @Sendable (SPIFFEID) -> Int = { $0.hashValue }) {
        self.serverID = serverID
        self.spiffeIDHash = spiffeIDHash
    }

    /// Makes room for `count` entries at once (a load), instead of growing the tables step by step.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        changeSPIFFEIDTable { $0.reserveCapacity(count, hashOf: $1) }
    }

    /// Changes ``slotsBySPIFFEIDHash``, which may rehash stored slots by their entries' SPIFFE IDs (read from a copy
    /// of ``entries``, shared, not copied, so that `self` is not read while being changed).
    private mutating func changeSPIFFEIDTable(_ change: (inout SlotHashTable, _ spiffeIDHash: (EntrySlot) -> Int) -> Void) {
        let entries = self.entries, hash = spiffeIDHash
        change(&slotsBySPIFFEIDHash) { hash(entries[slot: $0]!.spiffeID) }
    }

    /// Adds or replaces an entry; returns the previous version. The entry is moved into the table, not copied.
    @discardableResult
    mutating func upsert(_ entry: consuming RegistrationEntry) -> RegistrationEntry? {
        let parentID = entry.parentID
        let hash = spiffeIDHash(entry.spiffeID)
        let (slot, previous) = entries.upsert(entry)
        if let previous { unindex(previous, slot: slot) }
        if let index = childrenByParent.index(forKey: parentID) {
            childrenByParent.values[index].insert(slot)
            entries.shareParentID(childrenByParent.keys[index], at: slot)
        } else {
            childrenByParent[parentID] = EntrySlotList(slot)
        }
        changeSPIFFEIDTable { $0.insert(slot, hash: hash, hashOf: $1) }
        if parentID == serverID { aliasSlots.insert(slot) }
        return previous
    }

    /// Removes an entry; returns it.
    @discardableResult
    mutating func remove(id: String) -> RegistrationEntry? {
        guard let (slot, entry) = entries.remove(id: id) else { return nil }
        unindex(entry, slot: slot)
        return entry
    }

    /// Takes `entry`, stored in `slot`, out of the indexes (not out of `entries`).
    private mutating func unindex(_ entry: RegistrationEntry, slot: EntrySlot) {
        childrenByParent[entry.parentID]?.remove(slot)
        if childrenByParent[entry.parentID]?.isEmpty == true { childrenByParent[entry.parentID] = nil }
        let hash = spiffeIDHash(entry.spiffeID)
        changeSPIFFEIDTable { $0.remove(slot, hash: hash, hashOf: $1) }
        aliasSlots.remove(slot)
    }

    /// Records an attested node's selectors, or forgets the node (`nil`).
    mutating func setNode(_ id: SPIFFEID, selectors: [Selector]?) {
        nodeSelectors[id] = selectors.map(Set.init)
    }

    /// Whether an entry is a node alias (parented to the server).
    func isAlias(_ entry: RegistrationEntry) -> Bool { entry.parentID == serverID }

    /// The SPIFFE IDs of the node aliases whose selectors are all among the agent's node selectors.
    func aliasIDs(of agentID: SPIFFEID) -> Set<SPIFFEID> {
        guard let selectors = nodeSelectors[agentID] else { return [] }
        var ids: Set<SPIFFEID> = []
        for slot in aliasSlots {
            guard let alias = entries[slot: slot], alias.selectors.allSatisfy(selectors.contains) else { continue }
            ids.insert(alias.spiffeID)
        }
        return ids
    }

    /// The entries parented to `id` itself, by ID.
    func children(of id: SPIFFEID) -> [String: RegistrationEntry] {
        var children: [String: RegistrationEntry] = [:]
        for slot in childrenByParent[id] ?? EntrySlotList() {
            if let entry = entries[slot: slot] { children[entry.id] = entry }
        }
        return children
    }

    /// The entries reachable from `roots` through parent IDs, and every ID reached (the roots included).
    func authorization(from roots: Set<SPIFFEID>) -> (entries: [String: RegistrationEntry], reachable: Set<SPIFFEID>) {
        var result: [String: RegistrationEntry] = [:]
        var reachable = roots
        var queue = Array(roots)
        while let parent = queue.popLast() {
            for slot in childrenByParent[parent] ?? EntrySlotList() {
                guard let entry = entries[slot: slot] else { continue }
                result[entry.id] = entry
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
        return alias.selectors.allSatisfy(selectors.contains)
    }

    /// Whether `id` is the agent, or the SPIFFE ID of an entry the agent is authorized for.
    private func reaches(_ id: SPIFFEID, _ agentID: SPIFFEID, visited: inout Set<SPIFFEID>) -> Bool {
        if id == agentID { return true }
        guard visited.insert(id).inserted else { return false }
        var reached = false
        slotsBySPIFFEIDHash.forEachCandidate(hash: spiffeIDHash(id)) { slot in
            guard !reached, let entry = entries[slot: slot], entry.spiffeID == id else { return }
            if isAlias(entry) {
                reached = aliasApplies(entry, to: agentID)
            } else {
                reached = reaches(entry.parentID, agentID, visited: &visited)
            }
        }
        return reached
    }
}
