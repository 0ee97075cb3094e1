/// Which page of a `list…` result to return.
///
/// Pages are keyset pages in key order (entry ID, node SPIFFE ID, trust domain name; compared as UTF-8 bytes),
/// so a list stays consistent while records are added or removed between pages: a record is never returned
/// twice, and a record present for the whole listing is always returned.
package struct Pagination: Sendable, Hashable {
    /// The largest page size a store accepts.
    package static let maximumSize = 10_000

    /// The ``Page/nextToken`` of the previous page, or `nil` for the first page. Opaque to callers.
    package var token: String?
    /// How many items at most to return: 1 to ``maximumSize``.
    package var size: Int

    /// Creates a page request.
    package init(token: String? = nil, size: Int) {
        self.token = token
        self.size = size
    }

    /// Checks ``size``.
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` when ``size`` is not in `1...maximumSize`.
    package func validate() throws(DatastoreError) {
        guard (1...Self.maximumSize).contains(size) else {
            throw .invalidArgument("page size \(size) is out of range: expected 1 to \(Self.maximumSize)")
        }
    }
}

/// One page of a `list…` result.
package struct Page<Item: Sendable>: Sendable {
    /// The items, in key order.
    package var items: [Item]
    /// The token for the next page, or `nil` when this page is the last.
    package var nextToken: String?

    /// Creates a page.
    package init(items: [Item], nextToken: String?) {
        self.items = items
        self.nextToken = nextToken
    }
}

extension Page: Equatable where Item: Equatable {}
extension Page: Hashable where Item: Hashable {}

/// Orders keys the way every store pages them: by UTF-8 bytes (SQLite's `BINARY` collation).
package func datastoreKeyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
    var lhs = lhs
    var rhs = rhs
    return lhs.withUTF8 { left in
        rhs.withUTF8 { right in
            for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                return left[index] < right[index]
            }
            return left.count < right.count
        }
    }
}
