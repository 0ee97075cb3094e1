import SPIFFE
import SteepleDatastore

/// Where ``EntryTable`` keeps an entry: an index into its slots, stable while the entry is stored.
typealias EntrySlot = Int

/// The indexed registration entries, by ID. The entries lie in one array of slots and a ``SlotHashTable`` finds an
/// ID's slot by the ID's hash, comparing the IDs of the entries it points at. A dictionary of the entries themselves
/// would size every bucket at a whole entry (136 bytes), and after its last doubling up to five buckets in eight are
/// empty: a million entries took 400 MB that way (at 176 bytes an entry then); a `[String: EntrySlot]` beside the
/// slots took 50 MB of buckets; the slot table takes 10 MB. The indexes of ``EntryGraph`` hold slots, so walking them
/// reads the array instead of hashing IDs. A removed entry's slot is reused by the next new one; the array does not
/// shrink (after mass deletions its free slots stay allocated until new entries fill them).
///
/// A free slot holds ``vacant``, an entry with an empty ID (a stored entry's ID never is), rather than the slots being
/// optional: reading an optional element's ID copied the whole entry (152 bytes then, seven references retained and released)
/// for every comparison of a lookup: a million-entry load took 4.6–5.1 s of CPU that way, 3.6–3.9 s without.
struct EntryTable: Sendable {
    private var slots: [RegistrationEntry] = []
    private var slotsByIDHash = SlotHashTable()
    private var freeSlots: [EntrySlot] = []

    /// What a free slot holds: its empty ID marks it free.
    private static let vacant: RegistrationEntry = {
        let server = try! SPIFFEID("spiffe://vacant.invalid")
        return RegistrationEntry(id: "", spiffeID: server, parentID: server, selectors: [])
    }()

    /// The number of entries stored.
    var count: Int { slotsByIDHash.count }

    /// Every stored entry, in slot order.
    var values: some Sequence<RegistrationEntry> { slots.lazy.filter { !$0.id.isEmpty } }

    /// Makes room for `count` entries at once (a load), instead of growing step by step.
    mutating func reserveCapacity(_ count: Int) {
        slots.reserveCapacity(count)
        changeSlotTable { $0.reserveCapacity(count, hashOf: $1) }
    }

    /// The entry with ID `id`.
    subscript(id: String) -> RegistrationEntry? {
        slot(of: id).map { slots[$0] }
    }

    /// The entry in `slot`, if one is stored there.
    subscript(slot slot: EntrySlot) -> RegistrationEntry? {
        guard slots.indices.contains(slot), !slots[slot].id.isEmpty else { return nil }
        return slots[slot]
    }

    /// The SPIFFE ID of the entry in `slot`, if one is stored there: read without copying the entry.
    func spiffeID(at slot: EntrySlot) -> SPIFFEID? {
        guard slots.indices.contains(slot), !slots[slot].id.isEmpty else { return nil }
        return slots[slot].spiffeID
    }

    /// Stores `entry` under its ID: in the slot of the entry it replaces (returned), or in a free or new slot.
    mutating func upsert(_ entry: consuming RegistrationEntry) -> (slot: EntrySlot, previous: RegistrationEntry?) {
        let id = entry.id
        let hash = id.hashValue
        if let existing = slot(of: id, hash: hash) {
            let previous = slots[existing]
            slots[existing] = entry
            return (existing, previous)
        }
        let slot: EntrySlot
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = entry
        } else {
            slot = slots.count
            slots.append(entry)
        }
        changeSlotTable { $0.insert(slot, hash: hash, hashOf: $1) }
        return (slot, nil)
    }

    /// Removes the entry with ID `id`; returns it and the slot it leaves free.
    mutating func remove(id: String) -> (slot: EntrySlot, entry: RegistrationEntry)? {
        let hash = id.hashValue
        guard let slot = slot(of: id, hash: hash) else { return nil }
        changeSlotTable { $0.remove(slot, hash: hash, hashOf: $1) }
        let entry = slots[slot]
        slots[slot] = Self.vacant
        freeSlots.append(slot)
        return (slot, entry)
    }

    /// Gives the entry in `slot` an equal parent ID that shares the storage of `parentID` (one string for the
    /// parent's many children).
    mutating func shareParentID(_ parentID: SPIFFEID, at slot: EntrySlot) {
        guard !slots[slot].id.isEmpty else { return }
        slots[slot].parentID = parentID
    }

    /// The slot of the entry with ID `id`, whose hash is `hash`.
    private func slot(of id: String, hash: Int? = nil) -> EntrySlot? {
        guard !id.isEmpty else { return nil }
        return slotsByIDHash.first(hash: hash ?? id.hashValue) { slots[$0].id == id }
    }

    /// Changes the slot table, which may rehash stored slots by their entries' IDs. It reads a copy of ``slots``
    /// (shared, not copied: the slots are not changed meanwhile), so that `self` is not read while being changed.
    private mutating func changeSlotTable(_ change: (inout SlotHashTable, _ idHash: (EntrySlot) -> Int) -> Void) {
        let slots = self.slots
        change(&slotsByIDHash) { slots[$0].id.hashValue }
    }
}
