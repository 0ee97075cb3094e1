import SPIFFE
import SteepleDatastore

/// Where ``EntryTable`` keeps an entry: an index into its slots, stable while the entry is stored.
typealias EntrySlot = Int

/// The indexed registration entries, by ID. The entries lie in one array of slots and a dictionary maps each ID to
/// its slot. A dictionary of the entries themselves would size every bucket at a whole entry (152 bytes), and
/// after its last doubling up to five buckets in eight are empty: a million entries took 400 MB that way (at 176
/// bytes an entry then), against 152 MB of slots plus 50 MB of ID buckets here. The indexes of ``EntryGraph`` hold
/// slots, so walking them reads the array instead of hashing IDs. A removed entry's slot is reused by the next new
/// one; the array does not shrink (after mass deletions its free slots stay allocated until new entries fill them).
struct EntryTable: Sendable {
    private var slots: [RegistrationEntry?] = []
    private var slotByID: [String: EntrySlot] = [:]
    private var freeSlots: [EntrySlot] = []

    /// The number of entries stored.
    var count: Int { slotByID.count }

    /// Every stored entry, in slot order.
    var values: some Sequence<RegistrationEntry> { slots.lazy.compactMap { $0 } }

    /// Makes room for `count` entries at once (a load), instead of growing step by step.
    mutating func reserveCapacity(_ count: Int) {
        slots.reserveCapacity(count)
        slotByID.reserveCapacity(count)
    }

    /// The entry with ID `id`.
    subscript(id: String) -> RegistrationEntry? {
        guard let slot = slotByID[id] else { return nil }
        return slots[slot]
    }

    /// The entry in `slot`, if one is stored there.
    subscript(slot slot: EntrySlot) -> RegistrationEntry? {
        slots.indices.contains(slot) ? slots[slot] : nil
    }

    /// Stores `entry` under its ID: in the slot of the entry it replaces (returned), or in a free or new slot.
    mutating func upsert(_ entry: consuming RegistrationEntry) -> (slot: EntrySlot, previous: RegistrationEntry?) {
        // One hash of the ID for a new entry (every entry of a load): claim the next slot, and give it back in the
        // rare case the ID was already stored.
        let next = freeSlots.last ?? slots.count
        let id = entry.id
        if let existing = slotByID.updateValue(next, forKey: id) {
            slotByID[id] = existing
            let previous = slots[existing]
            slots[existing] = entry
            return (existing, previous)
        }
        if freeSlots.popLast() != nil {
            slots[next] = entry
        } else {
            slots.append(entry)
        }
        return (next, nil)
    }

    /// Removes the entry with ID `id`; returns it and the slot it leaves free.
    mutating func remove(id: String) -> (slot: EntrySlot, entry: RegistrationEntry)? {
        guard let slot = slotByID.removeValue(forKey: id), let entry = slots[slot] else { return nil }
        slots[slot] = nil
        freeSlots.append(slot)
        return (slot, entry)
    }

    /// Gives the entry in `slot` an equal parent ID that shares the storage of `parentID` (one string for the
    /// parent's many children).
    mutating func shareParentID(_ parentID: SPIFFEID, at slot: EntrySlot) {
        slots[slot]?.parentID = parentID
    }
}
