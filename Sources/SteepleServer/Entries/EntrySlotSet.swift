/// The entries (their ``EntryTable`` slots) under one key of ``EntryGraph``'s indexes. Under a SPIFFE ID there is
/// almost always exactly one entry (under a parent there are usually many), so one slot is kept inline and a `Set`
/// is made only for a second: a million entries then cost a million dictionary values instead of a million
/// one-element sets (their allocations, their hashing).
struct EntrySlotSet: Sendable, Sequence {
    private enum Storage: Sendable {
        case none
        case one(EntrySlot)
        /// Two or more: a removal that leaves one goes back to ``one``.
        case many(Set<EntrySlot>)
    }

    private var storage: Storage = .none

    init() {}

    init(_ slot: EntrySlot) {
        storage = .one(slot)
    }

    var isEmpty: Bool {
        if case .none = storage { true } else { false }
    }

    mutating func insert(_ slot: EntrySlot) {
        switch storage {
        case .none:
            storage = .one(slot)
        case .one(let existing):
            if existing != slot { storage = .many([existing, slot]) }
        case .many(var slots):
            storage = .none  // the set is uniquely referenced while it grows
            slots.insert(slot)
            storage = .many(slots)
        }
    }

    mutating func remove(_ slot: EntrySlot) {
        switch storage {
        case .none:
            break
        case .one(let existing):
            if existing == slot { storage = .none }
        case .many(var slots):
            storage = .none
            slots.remove(slot)
            if slots.count == 1, let only = slots.first {
                storage = .one(only)
            } else {
                storage = .many(slots)
            }
        }
    }

    func makeIterator() -> Iterator {
        switch storage {
        case .none: Iterator(one: nil, many: nil)
        case .one(let slot): Iterator(one: slot, many: nil)
        case .many(let slots): Iterator(one: nil, many: slots.makeIterator())
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var one: EntrySlot?
        fileprivate var many: Set<EntrySlot>.Iterator?

        mutating func next() -> EntrySlot? {
            if let slot = one {
                one = nil
                return slot
            }
            return many?.next()
        }
    }
}
