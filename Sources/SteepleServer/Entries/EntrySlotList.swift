/// The slots of the entries under one parent ID. One slot is kept inline (most parents of a large deployment have a
/// single child, or none); more lie in a sorted array of 4-byte slots. A `Set<Int>` took 8 bytes a bucket at up to
/// three buckets in four used, about 13 bytes a child: 13 MB for a million entries under a hundred node aliases,
/// against 4 to 6 here. Adding or removing a child moves the array's tail (4 bytes a later child): a parent with
/// 100,000 children moves at most 400 KB per change, a copy that takes microseconds.
struct EntrySlotList: Sendable, Sequence {
    private enum Storage: Sendable {
        case one(UInt32)
        /// None, or two and more, sorted; a removal that leaves one goes back to ``one``.
        case many([UInt32])
    }

    private var storage: Storage = .many([])

    init() {}

    init(_ slot: EntrySlot) {
        storage = .one(UInt32(slot))
    }

    var isEmpty: Bool {
        if case .many(let slots) = storage { slots.isEmpty } else { false }
    }

    mutating func insert(_ slot: EntrySlot) {
        let slot = UInt32(slot)
        switch storage {
        case .one(let existing):
            if existing != slot { storage = .many(existing < slot ? [existing, slot] : [slot, existing]) }
        case .many(var slots):
            if slots.isEmpty {
                storage = .one(slot)
                return
            }
            storage = .many([])  // the array is uniquely referenced while it changes
            let index = Self.insertionIndex(of: slot, in: slots)
            if index == slots.count || slots[index] != slot { slots.insert(slot, at: index) }
            storage = .many(slots)
        }
    }

    mutating func remove(_ slot: EntrySlot) {
        let slot = UInt32(slot)
        switch storage {
        case .one(let existing):
            if existing == slot { storage = .many([]) }
        case .many(var slots):
            storage = .many([])
            let index = Self.insertionIndex(of: slot, in: slots)
            if index < slots.count, slots[index] == slot { slots.remove(at: index) }
            storage = slots.count == 1 ? .one(slots[0]) : .many(slots)
        }
    }

    func makeIterator() -> Iterator {
        switch storage {
        case .one(let slot): Iterator(one: slot, many: nil)
        case .many(let slots): Iterator(one: nil, many: slots.makeIterator())
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var one: UInt32?
        fileprivate var many: IndexingIterator<[UInt32]>?

        mutating func next() -> EntrySlot? {
            if let slot = one.take() { return Int(slot) }
            return many?.next().map { Int($0) }
        }
    }

    /// The index of the first slot in `slots` not below `slot` (binary search).
    private static func insertionIndex(of slot: UInt32, in slots: [UInt32]) -> Int {
        var low = 0, high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle] < slot { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
