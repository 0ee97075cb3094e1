import PostgresNIO
import SteepleDatastore

/// A `WHERE` clause built from query filters, with its numbered parameters (`$1`, `$2`…).
struct PostgresFilter {
    private(set) var clauses: [String] = []
    private(set) var binds = PostgresBindings()

    /// Binds `value` and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Adds a clause (its placeholders made with ``bind(_:)``).
    mutating func add(_ clause: String) {
        clauses.append(clause)
    }

    /// `WHERE a AND b …`, or nothing when there is no clause.
    var whereSQL: String {
        clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
    }

    /// The query `sql` (which uses ``whereSQL`` and placeholders of this filter).
    func query(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Adds a set comparison between the rows of a child table that belong to `outerKey` and `rows`, as
    /// ``SetMatch/matches(_:_:)`` defines it. `rows` is one array per compared column (same length, never empty).
    mutating func addSetMatch(
        _ mode: SetMatch,
        table: String,
        keyColumn: String,
        outerKey: String,
        columns: [String],
        values: [[String]],
        recordsNeverEmpty: Bool
    ) {
        let count = values.first?.count ?? 0
        let arrays = values.map { bind($0) + "::text[]" }.joined(separator: ", ")
        let given = "SELECT * FROM UNNEST(\(arrays))"
        let tuple = "(" + columns.map { "m.\($0)" }.joined(separator: ", ") + ")"
        let anyMatch = "\(outerKey) IN (SELECT m.\(keyColumn) FROM \(table) m WHERE \(tuple) IN (\(given)))"
        let containsAll = """
            \(outerKey) IN (SELECT m.\(keyColumn) FROM \(table) m WHERE \(tuple) IN (\(given)) \
            GROUP BY m.\(keyColumn) HAVING COUNT(*) = \(count))
            """
        let onlyGiven = "NOT EXISTS (SELECT 1 FROM \(table) m WHERE m.\(keyColumn) = \(outerKey) AND \(tuple) NOT IN (\(given)))"
        switch mode {
        case .any:
            add(anyMatch)
        case .superset:
            add(containsAll)
        case .exact:
            add(containsAll)
            add("(SELECT COUNT(*) FROM \(table) m WHERE m.\(keyColumn) = \(outerKey)) = \(count)")
        case .subset:
            if recordsNeverEmpty { add(anyMatch) }
            add(onlyGiven)
        }
    }

    /// The keyset page clause and `LIMIT` for `pagination` (`size + 1` rows, to know whether another page follows).
    mutating func page(_ pagination: Pagination?, keyColumn: String) -> String {
        guard let pagination else { return "" }
        if let token = pagination.token { add("\(keyColumn) > \(bind(token))") }
        return "LIMIT \(pagination.size + 1)"
    }
}
