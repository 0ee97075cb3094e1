import GRDB
import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decoding of stored rows into records. A value that no longer parses is reported as `corruptRecord`.
extension SQLiteDatastore {
    /// How many keys go into one `IN (…)` list when loading child rows.
    static let keysPerQuery = 500

    static func spiffeID(_ string: String, _ column: String, of key: @autoclosure () -> String) throws(DatastoreError) -> SPIFFEID {
        try StoredValues.spiffeID(string, column, of: key())
    }

    static func trustDomain(_ string: String, of key: @autoclosure () -> String) throws(DatastoreError) -> TrustDomain {
        try StoredValues.trustDomain(string, of: "entry \(key())")
    }

    static func selector(type: String, value: String, of key: @autoclosure () -> String) throws(DatastoreError) -> Selector {
        try StoredValues.selector(type: type, value: value, of: key())
    }

    static func corrupt(_ message: String, _ cause: (any Error)? = nil) -> DatastoreError {
        StoredValues.corrupt(message, cause)
    }

    static func time(_ seconds: Int64, _ column: String, of key: @autoclosure () -> String) throws(DatastoreError) -> Date {
        try StoredValues.time(seconds, column, of: key())
    }

    /// Loads `(key, type, value)` rows of a selector table for the given keys, grouped by key.
    static func loadSelectors(
        _ db: Database,
        table: String,
        keyColumn: String,
        keys: [String]
    ) throws -> [String: [Selector]] {
        var result: [String: [Selector]] = [:]
        for chunk in keys.chunked(keysPerQuery) {
            let sql =
                "SELECT \(keyColumn), type, value FROM \(table) WHERE \(keyColumn) IN (\(placeholders(chunk.count)))"
            try groupRows(db, sql, StatementArguments(chunk), into: &result) { row, key in
                try selector(type: row[1], value: row[2], of: key)
            }
        }
        return result
    }

    /// `?, ?, …` with `count` placeholders.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// Runs a keyset page query: `sql` must end with `ORDER BY key` and take the page's arguments last
    /// (`key > ?` when there is a token, then `LIMIT ?`), as built by ``pageClause(_:keyColumn:)``.
    static func pageClause(_ pagination: Pagination?, keyColumn: String) -> (where: String?, limit: String) {
        guard let pagination else { return (nil, "") }
        return (pagination.token == nil ? nil : "\(keyColumn) > ?", "LIMIT \(pagination.size + 1)")
    }

    /// Cuts a fetched list of `size + 1` items into a page.
    static func makePage<Item>(_ items: [Item], _ pagination: Pagination?, key: (Item) -> String) -> Page<Item> {
        Page.cut(items, pagination, key: key)
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
