/// A set that keeps one element inline and makes a `Set` only for a second. For indexes where almost every key has
/// exactly one value (entries under a selector on an agent), a million keys
/// then cost a million dictionary values instead of a million one-element sets (their allocations, their hashing).
package struct InlineSet<Element: Hashable & Sendable>: Sendable, Sequence {
    private enum Storage: Sendable {
        case none
        case one(Element)
        /// Two or more: a removal that leaves one goes back to ``one``.
        case many(Set<Element>)
    }

    private var storage: Storage = .none

    package init() {}

    package init(_ element: Element) {
        storage = .one(element)
    }

    package var isEmpty: Bool {
        if case .none = storage { true } else { false }
    }

    package mutating func insert(_ element: Element) {
        switch storage {
        case .none:
            storage = .one(element)
        case .one(let existing):
            if existing != element { storage = .many([existing, element]) }
        case .many(var elements):
            storage = .none  // the set is uniquely referenced while it grows
            elements.insert(element)
            storage = .many(elements)
        }
    }

    package mutating func remove(_ element: Element) {
        switch storage {
        case .none:
            break
        case .one(let existing):
            if existing == element { storage = .none }
        case .many(var elements):
            storage = .none
            elements.remove(element)
            if elements.count == 1, let only = elements.first {
                storage = .one(only)
            } else {
                storage = .many(elements)
            }
        }
    }

    package func makeIterator() -> Iterator {
        switch storage {
        case .none: Iterator(one: nil, many: nil)
        case .one(let element): Iterator(one: element, many: nil)
        case .many(let elements): Iterator(one: nil, many: elements.makeIterator())
        }
    }

    package struct Iterator: IteratorProtocol {
        fileprivate var one: Element?
        fileprivate var many: Set<Element>.Iterator?

        package mutating func next() -> Element? {
            if let element = one {
                one = nil
                return element
            }
            return many?.next()
        }
    }
}
