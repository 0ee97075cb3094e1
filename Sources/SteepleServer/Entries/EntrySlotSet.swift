/// The entries (their ``EntryTable`` slots) under one key of ``EntryGraph``'s indexes. Under a SPIFFE ID there is
/// almost always exactly one entry (under a parent there are usually many), so one slot is kept inline and a `Set`
/// is made only for a second: a million entries then cost a million dictionary values instead of a million
/// one-element sets (their allocations, their hashing).
struct EntrySlotSet: Sendable, Sequence {
    private enum Storage: Sendable {
        case none
        case one(EntrySlot)
        case many(Set<EntrySlot>)
    }

    private var storage: Storage = .none

    init() {}

    init(_ slot: EntrySlot) {
        storage = .one(slot)
    }

    var isEmpty: Bool {
        switch storage {
        case .none: true
        case .one: false
        case .many(let ids): ids.isEmpty
        }
    }

    mutating func insert(_ id: EntrySlot) {
        switch storage {
        case .none:
            storage = .one(id)
        case .one(let existing):
            if existing != id { storage = .many([existing, id]) }
        case .many(var ids):
            storage = .none  // the set is uniquely referenced while it grows
            ids.insert(id)
            storage = .many(ids)
        }
    }

    mutating func remove(_ id: EntrySlot) {
        switch storage {
        case .none:
            break
        case .one(let existing):
            if existing == id { storage = .none }
        case .many(var ids):
            storage = .none
            ids.remove(id)
            storage = ids.count == 1 ? .one(ids.first!) : .many(ids)
        }
    }

    func makeIterator() -> Iterator {
        switch storage {
        case .none: Iterator(one: nil, many: nil)
        case .one(let id): Iterator(one: id, many: nil)
        case .many(let ids): Iterator(one: nil, many: ids.makeIterator())
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var one: EntrySlot?
        fileprivate var many: Set<EntrySlot>.Iterator?

        mutating func next() -> EntrySlot? {
            if let id = one {
                one = nil
                return id
            }
            return many?.next()
        }
    }
}
