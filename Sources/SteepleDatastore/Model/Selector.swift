/// A selector: a property of a workload or a node, written `type:value` (e.g. `unix:uid:1000`, `k8s:ns:default`).
///
/// The type is everything before the first `:`; the value is the rest and may itself hold `:`. Both are non-empty.
/// Selectors order by type, then value, comparing UTF-8 bytes (the order SQLite's `BINARY` collation uses).
package struct Selector: Sendable {
    /// The selector type, e.g. `unix`: the attestor that produces it.
    package let type: String
    /// The selector value, e.g. `uid:1000`.
    package let value: String

    /// Creates a selector from its parts.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when the type is empty or holds `:`, or the value is empty.
    package init(type: String, value: String) throws(DatastoreError) {
        guard !type.isEmpty else {
            throw .invalidArgument("selector type is empty: expected type:value, as in unix:uid:1000")
        }
        guard !type.utf8.contains(UInt8(ascii: ":")) else {
            throw .invalidArgument("selector type \"\(type)\" holds ':': the type ends at the first ':'")
        }
        guard !value.isEmpty else {
            throw .invalidArgument("selector \"\(type)\" has an empty value: expected type:value, as in unix:uid:1000")
        }
        self.type = type
        self.value = value
    }

    /// Parses `type:value`, splitting at the first `:` (`unix:uid:1000` → type `unix`, value `uid:1000`).
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when there is no `:`, or the type or value is empty.
    package init(_ string: String) throws(DatastoreError) {
        guard let colon = string.utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw .invalidArgument("selector \"\(string)\" has no ':': expected type:value, as in unix:uid:1000")
        }
        let type = String(string[..<colon])
        let value = String(string[string.utf8.index(after: colon)...])
        try self.init(type: type, value: value)
    }

    /// Sorts selectors and drops duplicates: the stored form of a selector set.
    package static func normalized(_ selectors: some Sequence<Selector>) -> [Selector] {
        sortedUnique(selectors)
    }
}

extension Selector: Hashable {}

extension Selector: Comparable {
    package static func < (lhs: Selector, rhs: Selector) -> Bool {
        if lhs.type != rhs.type {
            return lhs.type.utf8.lexicographicallyPrecedes(rhs.type.utf8)
        }
        return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
    }
}

extension Selector: CustomStringConvertible {
    /// `type:value`.
    package var description: String { type + ":" + value }
}
