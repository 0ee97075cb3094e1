import SPIFFE
import SteepleDatastore

/// The registration entries and attested nodes as a graph, derived from the store and never written to directly:
/// which entries an agent is authorized for is every entry reachable from the agent's ID through parent IDs,
/// including through node aliases (entries parented to `spiffe://<td>/spire/server` whose selectors are a subset
/// of the agent's node selectors) — SPIRE's rule. As in SPIRE, an alias entry itself is not one of them: it groups
/// agents, it names no workload, so no agent is sent it or may have an SVID signed for its ID.
struct EntryGraph: Sendable {
    let serverID: SPIFFEID
    private(set) var entries = EntryTable()
    /// The first child of each parent ID; the others follow it in ``siblings``.
    private var firstChildByParent: [SPIFFEID: EntrySlot] = [:]
    /// The children of one parent, linked.
    private var siblings = SlotChains()
    private var aliasSlots: Set<EntrySlot> = []
    /// One entry of each SPIFFE ID, found by the ID's hash, to walk from an entry up to an agent: a ``SlotHashTable``
    /// (5 bytes a bucket: 10 MB for a million entries, against 50 MB for an `[Int: InlineSet<EntrySlot>]`). Readers
    /// compare the entries' IDs, so two IDs that share a hash stay apart. The other entries with that SPIFFE ID (one
    /// per pod of a deployment, say) follow it in ``sameSPIFFEID``, so that a hundred thousand of them are not a
    /// hundred thousand buckets in one run of the table.
    private var firstBySPIFFEID = SlotHashTable()
    /// The entries that share a SPIFFE ID, linked.
    private var sameSPIFFEID = SlotChains()
    private(set) var nodeSelectors: [SPIFFEID: Set<Selector>] = [:]

    /// The hash of ``firstBySPIFFEID``: `hashValue`, or in tests one that collides.
    private let spiffeIDHash: @Sendable (SPIFFEID) -> Int

    init(serverID: SPIFFEID, spiffeIDHash: @escaping @Sendable (SPIFFEID) -> Int = { $0.hashValue }) {
        self.serverID = serverID
        self.spiffeIDHash = spiffeIDHash
    }

    /// Makes room for `count` entries at once (a load), instead of growing the tables step by step.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
        siblings.reserveCapacity(count)
        sameSPIFFEID.reserveCapacity(count)
        changeSPIFFEIDTable { $0.reserveCapacity(count, hashOf: $1) }
    }

    /// Changes ``firstBySPIFFEID``, which may rehash stored slots by their entries' SPIFFE IDs (read from a copy of
    /// ``entries``, shared, not copied, so that `self` is not read while being changed).
    private mutating func changeSPIFFEIDTable(_ change: (inout SlotHashTable, _ spiffeIDHash: (EntrySlot) -> Int) -> Void) {
        let entries = self.entries, hash = spiffeIDHash
        change(&firstBySPIFFEID) { hash(entries.spiffeID(at: $0)!) }
    }

    /// The first of the entries whose SPIFFE ID is `id` (the others follow it in ``sameSPIFFEID``).
    private func firstSlot(withSPIFFEID id: SPIFFEID, hash: Int) -> EntrySlot? {
        firstBySPIFFEID.first(hash: hash) { entries.spiffeID(at: $0) == id }
    }

    /// Adds or replaces an entry; returns the previous version. The entry is moved into the table, not copied. An
    /// entry with an empty ID is not indexed: the APIs refuse one, and none could name it (only a store edited by hand
    /// could hold it).
    @discardableResult
    mutating func upsert(_ entry: consuming RegistrationEntry) -> RegistrationEntry? {
        guard !entry.id.isEmpty else { return nil }
        let parentID = entry.parentID
        let spiffeID = entry.spiffeID
        let hash = spiffeIDHash(spiffeID)
        let (slot, previous) = entries.upsert(entry)
        if let previous { unindex(previous, slot: slot) }
        if let index = firstChildByParent.index(forKey: parentID) {
            siblings.link(slot, after: firstChildByParent.values[index])
            entries.shareParentID(firstChildByParent.keys[index], at: slot)
        } else {
            firstChildByParent[parentID] = slot
            siblings.makeHead(slot)
        }
        if let first = firstSlot(withSPIFFEID: spiffeID, hash: hash) {
            sameSPIFFEID.link(slot, after: first)
        } else {
            sameSPIFFEID.makeHead(slot)
            changeSPIFFEIDTable { $0.insert(slot, hash: hash, hashOf: $1) }
        }
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

    /// Takes `entry`, stored in `slot`, out of the indexes (not out of `entries`, where `slot` may already hold the
    /// entry's next version).
    private mutating func unindex(_ entry: RegistrationEntry, slot: EntrySlot) {
        switch siblings.unlink(slot) {
        case .wasOnlySlot: firstChildByParent[entry.parentID] = nil
        case .wasHead(let newHead): firstChildByParent[entry.parentID] = newHead
        case .wasInside: break
        }
        let hash = spiffeIDHash(entry.spiffeID)
        switch sameSPIFFEID.unlink(slot) {
        case .wasOnlySlot: changeSPIFFEIDTable { $0.remove(slot, hash: hash, hashOf: $1) }
        case .wasHead(let newHead): firstBySPIFFEID.replace(slot, with: newHead, hash: hash)
        case .wasInside: break
        }
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
        guard let first = firstChildByParent[id] else { return children }
        for slot in siblings.list(from: first) {
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
            guard let first = firstChildByParent[parent] else { continue }
            for slot in siblings.list(from: first) {
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
        guard let first = firstSlot(withSPIFFEID: id, hash: spiffeIDHash(id)) else { return false }
        for slot in sameSPIFFEID.list(from: first) {
            guard let entry = entries[slot: slot] else { continue }
            if isAlias(entry) {
                if aliasApplies(entry, to: agentID) { return true }
            } else if reaches(entry.parentID, agentID, visited: &visited) {
                return true
            }
        }
        return false
    }
}
