import GRDB
import SteepleDatastore

/// A `WHERE` clause built from query filters, with its arguments in order.
struct SQLFilter {
    private(set) var clauses: [String] = []
    private(set) var arguments: [(any DatabaseValueConvertible)?] = []

    /// Adds a clause whose `?` placeholders take `values`, in order.
    mutating func add(_ clause: String, _ values: (any DatabaseValueConvertible)?...) {
        clauses.append(clause)
        arguments.append(contentsOf: values)
    }

    /// `WHERE a AND b …`, or nothing when there is no clause.
    var whereSQL: String {
        clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
    }

    /// The arguments, followed by `extra`.
    func statementArguments(_ extra: (any DatabaseValueConvertible)?...) -> StatementArguments {
        StatementArguments(arguments + extra)
    }

    /// Adds a set comparison between the rows of a child table that belong to `outerKey` and `rows`.
    ///
    /// - Parameters:
    ///   - mode: the ``SetMatch``, as ``SetMatch/matches(_:_:)`` defines it.
    ///   - table: the child table, e.g. `entry_selectors`.
    ///   - keyColumn: its column holding the parent key, e.g. `entry_id`.
    ///   - outerKey: the parent key in the outer query, e.g. `e.id`.
    ///   - columns: the compared columns, e.g. `["type", "value"]`.
    ///   - rows: the query's set, one array of `columns.count` strings per element; never empty, no duplicates.
    ///   - recordsNeverEmpty: whether every record has at least one row (entries always have selectors): lets
    ///     `subset` start from the index of matching rows instead of scanning every record.
    mutating func addSetMatch(
        _ mode: SetMatch,
        table: String,
        keyColumn: String,
        outerKey: String,
        columns: [String],
        rows: [[String]],
        recordsNeverEmpty: Bool
    ) {
        let tuple =
            columns.count == 1 ? "m.\(columns[0])" : "(" + columns.map { "m.\($0)" }.joined(separator: ", ") + ")"
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let values = "VALUES " + Array(repeating: placeholders, count: rows.count).joined(separator: ", ")
        let flat: [(any DatabaseValueConvertible)?] = rows.flatMap { $0 }
        let anyMatch = "\(outerKey) IN (SELECT m.\(keyColumn) FROM \(table) m WHERE \(tuple) IN (\(values)))"
        let containsAll = """
            \(outerKey) IN (SELECT m.\(keyColumn) FROM \(table) m WHERE \(tuple) IN (\(values)) \
            GROUP BY m.\(keyColumn) HAVING COUNT(*) = \(rows.count))
            """
        let onlyGiven = """
            NOT EXISTS (SELECT 1 FROM \(table) m WHERE m.\(keyColumn) = \(outerKey) AND \(tuple) NOT IN (\(values)))
            """
        switch mode {
        case .any:
            clauses.append(anyMatch)
            arguments += flat
        case .superset:
            clauses.append(containsAll)
            arguments += flat
        case .exact:
            clauses.append(containsAll)
            arguments += flat
            clauses.append("(SELECT COUNT(*) FROM \(table) m WHERE m.\(keyColumn) = \(outerKey)) = \(rows.count)")
        case .subset:
            if recordsNeverEmpty {
                clauses.append(anyMatch)
                arguments += flat
            }
            clauses.append(onlyGiven)
            arguments += flat
        }
    }
}
