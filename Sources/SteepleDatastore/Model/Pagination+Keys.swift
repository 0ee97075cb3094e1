extension Pagination {
    /// Pages through keys sorted by ``datastoreKeyPrecedes(_:_:)``: the reference keyset pagination that
    /// every store implements (`nextToken` is the last key of a full page, `nil` once nothing follows).
    ///
    /// - Parameters:
    ///   - pagination: the page to return, or `nil` for every match at once.
    ///   - sortedKeys: all keys, sorted.
    ///   - item: the item of a key when it matches the query, else `nil`.
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for a page size out of range.
    package static func page<Item>(
        _ pagination: Pagination?,
        sortedKeys: [String],
        item: (String) -> Item?
    ) throws(DatastoreError) -> Page<Item> {
        guard let pagination else {
            return Page(items: sortedKeys.compactMap(item), nextToken: nil)
        }
        try pagination.validate()
        var start = sortedKeys.startIndex
        if let token = pagination.token {
            // First key greater than the token.
            var low = sortedKeys.startIndex
            var high = sortedKeys.endIndex
            while low < high {
                let mid = (low + high) / 2
                if datastoreKeyPrecedes(token, sortedKeys[mid]) { high = mid } else { low = mid + 1 }
            }
            start = low
        }
        var items: [Item] = []
        var lastKey: String?
        for key in sortedKeys[start...] {
            guard let found = item(key) else { continue }
            if items.count == pagination.size {
                return Page(items: items, nextToken: lastKey)
            }
            items.append(found)
            lastKey = key
        }
        return Page(items: items, nextToken: nil)
    }
}
