/// Lists of slots kept as links between them: each slot is in at most one list, and a list is known by its first slot,
/// its head. For the graph's one-to-many indexes (a parent's children, the entries that share a SPIFFE ID), where a
/// key may have one entry or a hundred thousand: linking, unlinking and finding a list's next slot take the same time
/// whatever the list's length, and the links cost 8 bytes a slot, whatever the number of keys (a million entries: 8
/// MB; a `Set<Int>` per key took about 13 bytes an entry, and a sorted array per key made removing each of a big
/// list's entries move its tail).
struct SlotChains: Sendable {
    private static let none = UInt32.max
    private var next: [UInt32] = []
    private var previous: [UInt32] = []

    /// Makes room for links of slots up to `count` at once (a load).
    mutating func reserveCapacity(_ count: Int) {
        next.reserveCapacity(count)
        previous.reserveCapacity(count)
    }

    /// Makes `slot` the head of a list of its own.
    mutating func makeHead(_ slot: EntrySlot) {
        grow(toInclude: slot)
        next[slot] = Self.none
        previous[slot] = Self.none
    }

    /// Links `slot` into the list whose head is `head`, right after it.
    mutating func link(_ slot: EntrySlot, after head: EntrySlot) {
        grow(toInclude: slot)
        let following = next[head]
        next[slot] = following
        previous[slot] = UInt32(head)
        if following != Self.none { previous[Int(following)] = UInt32(slot) }
        next[head] = UInt32(slot)
    }

    /// Unlinks `slot` from its list and says what that did to the list (whose head the caller keeps).
    mutating func unlink(_ slot: EntrySlot) -> Unlinked {
        let before = previous[slot], after = next[slot]
        next[slot] = Self.none
        previous[slot] = Self.none
        if after != Self.none { previous[Int(after)] = before }
        guard before != Self.none else {
            return after == Self.none ? .wasOnlySlot : .wasHead(newHead: Int(after))
        }
        next[Int(before)] = after
        return .wasInside
    }

    /// What unlinking a slot did to its list.
    enum Unlinked: Equatable {
        /// The slot was the list's only one: the list is gone.
        case wasOnlySlot
        /// The slot was the head: the list now starts at `newHead`.
        case wasHead(newHead: EntrySlot)
        /// The slot was after the head, which stays.
        case wasInside
    }

    /// The slots of the list whose head is `head`, head first.
    func list(from head: EntrySlot) -> List {
        List(chains: self, head: head)
    }

    struct List: Sequence {
        let chains: SlotChains
        let head: EntrySlot

        func makeIterator() -> Iterator { Iterator(links: chains.next, current: UInt32(head)) }

        struct Iterator: IteratorProtocol {
            let links: [UInt32]
            var current: UInt32

            mutating func next() -> EntrySlot? {
                guard current != SlotChains.none else { return nil }
                defer { current = links[Int(current)] }
                return Int(current)
            }
        }
    }

    private mutating func grow(toInclude slot: EntrySlot) {
        precondition(slot >= 0 && slot < Int(Self.none), "slot \(slot) out of range")
        if slot >= next.count {
            let added = slot + 1 - next.count
            next.append(contentsOf: repeatElement(Self.none, count: added))
            previous.append(contentsOf: repeatElement(Self.none, count: added))
        }
    }
}
