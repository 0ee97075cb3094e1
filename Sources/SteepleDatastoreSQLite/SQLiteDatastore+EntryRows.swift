import GRDB
import SPIFFE
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading and writing the rows of one registration entry: `registered_entries` and its child tables.
extension SQLiteDatastore {
    static let entryColumns = """
        e.id, e.spiffe_id, e.parent_id, e.x509_svid_ttl, e.jwt_svid_ttl, e.admin, e.downstream, e.expires_at, \
        e.revision_number, e.store_svid, e.hint, e.created_at, e.jwt_svid_include_jti, e.disable_x509_svid_prefetch
        """

    /// How ``fetchEntries(_:sql:arguments:children:)`` finds the child rows of the entries it read.
    enum ChildRows {
        /// `entry_id IN (…)`, 500 IDs per query: right for any set of entries.
        case byKeys
        /// `entry_id BETWEEN first AND last` of the entries, which must be ordered by ID. Always correct (rows of
        /// entries not read are dropped, never attached); fast only when the entries are all of that range, as an
        /// unfiltered page is.
        case byKeyRange
    }

    /// Fetches the entries that `sql` selects (with ``entryColumns``), in its order, with their child rows.
    ///
    /// - Parameter unreadable: what to do with a row that does not decode into a valid entry (an ID that no longer
    ///   parses, a time outside the years 1970 to 9999, a TTL out of range): `nil` throws `corruptRecord`; a
    ///   handler is told the entry ID and the error, and the entry is left out of the result.
    static func fetchEntries(
        _ db: Database,
        sql: String,
        arguments: StatementArguments,
        children: ChildRows = .byKeys,
        unreadable: UnreadableRecordHandler? = nil
    ) throws -> [RegistrationEntry] {
        try fetchEntryRows(db, sql: sql, arguments: arguments, children: children, unreadable: unreadable).entries
    }

    /// As ``fetchEntries(_:sql:arguments:children:unreadable:)``, also returning the ID of every row read, skipped
    /// ones included, in the query's order (a page's next token comes from the rows, not from what decoded).
    static func fetchEntryRows(
        _ db: Database,
        sql: String,
        arguments: StatementArguments,
        children: ChildRows = .byKeys,
        unreadable: UnreadableRecordHandler? = nil
    ) throws -> (entries: [RegistrationEntry], rowIDs: [String]) {
        var rowIDs: [String] = []
        var entries: [RegistrationEntry] = []
        var bad: [String: DatastoreError] = [:]
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let id: String = try row.decode(String.self, atIndex: 0)
            rowIDs.append(id)
            do {
                entries.append(try decodeEntry(row, id: id))
            } catch {
                bad[id] = error
            }
        }
        let ids = rowIDs
        guard !ids.isEmpty else { return ([], []) }
        // Each child query as (condition on entry_id, its arguments): one per chunk of IDs, or one range.
        let conditions: [(sql: String, arguments: StatementArguments)]
        switch children {
        case .byKeys:
            conditions = ids.chunked(keysPerQuery).map { ("entry_id IN (\(placeholders($0.count)))", StatementArguments($0)) }
        case .byKeyRange:
            conditions = [("entry_id BETWEEN ? AND ?", [ids.first!, ids.last!])]
        }
        var selectors: [String: [Selector]] = [:]
        selectors.reserveCapacity(ids.count)
        var federated: [String: [TrustDomain]] = [:]
        var dnsNames: [String: [String]] = [:]
        for condition in conditions {
            try groupRows(db, "SELECT entry_id, type, value FROM entry_selectors WHERE \(condition.sql)", condition.arguments, into: &selectors, failures: &bad) { row, id in
                try selector(type: row.decode(atIndex: 1), value: row.decode(atIndex: 2), of: "entry \(id)")
            }
            try groupRows(db, "SELECT entry_id, trust_domain FROM entry_federated_trust_domains WHERE \(condition.sql)", condition.arguments, into: &federated, failures: &bad) { row, id in
                try trustDomain(row.decode(atIndex: 1), of: id)
            }
            try groupRows(db, "SELECT entry_id, name FROM entry_dns_names WHERE \(condition.sql) ORDER BY entry_id, position", condition.arguments, into: &dnsNames, failures: &bad) { row, _ in
                try row.decode(String.self, atIndex: 1)
            }
        }
        if let first = bad.min(by: { $0.key < $1.key }) {
            guard let unreadable else { throw first.value }
            for (id, error) in bad.sorted(by: { $0.key < $1.key }) { unreadable(id, error) }
        }
        // Completed in place: no entry is copied (a load reads a million).
        if !bad.isEmpty { entries.removeAll { bad[$0.id] != nil } }
        for index in entries.indices {
            let id = entries[index].id
            entries[index].selectors = selectors[id] ?? []
            if !federated.isEmpty { entries[index].federatesWith = federated[id] ?? [] }
            if !dnsNames.isEmpty { entries[index].dnsNames = dnsNames[id] ?? [] }
        }
        return (entries, rowIDs)
    }

    /// Decodes the columns of one `registered_entries` row (``entryColumns``), checking every value's range.
    private static func decodeEntry(_ row: Row, id: String) throws(DatastoreError) -> RegistrationEntry {
        do {
            let x509TTL = try StoredValues.ttl(row.decode(Int64.self, atIndex: 3), "x509_svid_ttl", of: "entry \(id)")
            let jwtTTL = try StoredValues.ttl(row.decode(Int64.self, atIndex: 4), "jwt_svid_ttl", of: "entry \(id)")
            let expiresAt = try row.decode(Int64?.self, atIndex: 7)
            return RegistrationEntry(
                id: id,
                spiffeID: try spiffeID(row.decode(atIndex: 1), "SPIFFE ID", of: "entry \(id)"),
                parentID: try spiffeID(row.decode(atIndex: 2), "parent ID", of: "entry \(id)"),
                selectors: [],
                x509SVIDTTL: x509TTL,
                jwtSVIDTTL: jwtTTL,
                admin: try row.decode(atIndex: 5),
                downstream: try row.decode(atIndex: 6),
                expiresAt: try expiresAt.map { (seconds) throws(DatastoreError) in try time(seconds, "expires_at", of: "entry \(id)") },
                revisionNumber: try row.decode(atIndex: 8),
                storeSVID: try row.decode(atIndex: 9),
                hint: try row.decode(atIndex: 10),
                createdAt: try time(row.decode(atIndex: 11), "created_at", of: "entry \(id)"),
                jwtSVIDIncludeJTI: try row.decode(atIndex: 12),
                disableX509SVIDPrefetch: try row.decode(atIndex: 13)
            )
        } catch let error as DatastoreError {
            throw error
        } catch {
            throw corrupt("entry \(id) has a column of the wrong type: \(error)", error)
        }
    }

    /// As ``groupRows(_:_:_:into:_:)``, but a row whose value does not decode records its key's failure in
    /// `failures` instead of ending the read.
    static func groupRows<Value>(
        _ db: Database,
        _ sql: String,
        _ arguments: StatementArguments,
        into result: inout [String: [Value]],
        failures: inout [String: DatastoreError],
        _ value: (Row, String) throws -> Value
    ) throws {
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let key: String = try row.decode(String.self, atIndex: 0)
            do {
                result[key, default: []].append(try value(row, key))
            } catch let error as DatastoreError {
                failures[key] = failures[key] ?? error
            } catch {
                failures[key] = failures[key] ?? corrupt("a child row of \(key) has a column of the wrong type: \(error)", error)
            }
        }
    }

    /// Appends `value(row, key)` of every row `sql` selects to `result[key]`, the key being the row's first column.
    static func groupRows<Value>(
        _ db: Database,
        _ sql: String,
        _ arguments: StatementArguments,
        into result: inout [String: [Value]],
        _ value: (Row, String) throws -> Value
    ) throws {
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let key: String = row[0]
            result[key, default: []].append(try value(row, key))
        }
    }

    /// Fetches one entry by ID.
    static func fetchEntry(_ db: Database, id: String) throws -> RegistrationEntry? {
        try fetchEntries(
            db,
            sql: "SELECT \(entryColumns) FROM registered_entries e WHERE e.id = ?",
            arguments: [id]
        ).first
    }

    /// The ID of another entry with the same parent ID, SPIFFE ID and selector set, if there is one.
    static func duplicateEntryID(_ db: Database, of entry: RegistrationEntry) throws -> String? {
        let candidates = try String.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM registered_entries WHERE parent_id = ? AND spiffe_id = ?"),
            arguments: [entry.parentID.string, entry.spiffeID.string]
        )
        let selectorsOfEntry = try db.cachedStatement(
            sql: "SELECT type, value FROM entry_selectors WHERE entry_id = ?"
        )
        let wanted = Set(entry.selectors)
        for candidate in candidates where candidate != entry.id {
            var found: Set<Selector> = []
            let rows = try Row.fetchCursor(selectorsOfEntry, arguments: [candidate])
            while let row = try rows.next() {
                found.insert(try selector(type: row[0], value: row[1], of: "entry \(candidate)"))
            }
            if found == wanted { return candidate }
        }
        return nil
    }

    /// Inserts the entry's row and child rows.
    static func insertEntryRows(_ db: Database, _ entry: RegistrationEntry) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO registered_entries (id, spiffe_id, parent_id, x509_svid_ttl, jwt_svid_ttl, admin, \
                downstream, expires_at, revision_number, store_svid, hint, created_at, jwt_svid_include_jti, \
                disable_x509_svid_prefetch) \
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            entry.id, entry.spiffeID.string, entry.parentID.string, entry.x509SVIDTTL, entry.jwtSVIDTTL,
            entry.admin, entry.downstream, entry.expiresAt.map(DatastoreTime.seconds), entry.revisionNumber,
            entry.storeSVID, entry.hint, DatastoreTime.seconds(entry.createdAt), entry.jwtSVIDIncludeJTI,
            entry.disableX509SVIDPrefetch,
        ])
        try insertEntryChildRows(db, entry)
    }

    /// Replaces the entry's row and child rows.
    static func updateEntryRows(_ db: Database, _ entry: RegistrationEntry) throws {
        try db.cachedStatement(
            sql: """
                UPDATE registered_entries SET spiffe_id = ?, parent_id = ?, x509_svid_ttl = ?, jwt_svid_ttl = ?, \
                admin = ?, downstream = ?, expires_at = ?, revision_number = ?, store_svid = ?, hint = ?, \
                jwt_svid_include_jti = ?, disable_x509_svid_prefetch = ? \
                WHERE id = ?
                """
        ).execute(arguments: [
            entry.spiffeID.string, entry.parentID.string, entry.x509SVIDTTL, entry.jwtSVIDTTL, entry.admin,
            entry.downstream, entry.expiresAt.map(DatastoreTime.seconds), entry.revisionNumber, entry.storeSVID,
            entry.hint, entry.jwtSVIDIncludeJTI, entry.disableX509SVIDPrefetch, entry.id,
        ])
        for table in ["entry_selectors", "entry_federated_trust_domains", "entry_dns_names"] {
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE entry_id = ?").execute(arguments: [entry.id])
        }
        try insertEntryChildRows(db, entry)
    }

    private static func insertEntryChildRows(_ db: Database, _ entry: RegistrationEntry) throws {
        let insertSelector = try db.cachedStatement(
            sql: "INSERT INTO entry_selectors (entry_id, type, value) VALUES (?, ?, ?)"
        )
        for selector in entry.selectors {
            try insertSelector.execute(arguments: [entry.id, selector.type, selector.value])
        }
        if !entry.federatesWith.isEmpty {
            let bundleExists = try db.cachedStatement(sql: "SELECT 1 FROM bundles WHERE trust_domain = ?")
            for trustDomain in entry.federatesWith where try Int.fetchOne(bundleExists, arguments: [trustDomain.name]) == nil {
                throw DatastoreError.federatedBundleMissing(trustDomain.name)
            }
            let insertTrustDomain = try db.cachedStatement(
                sql: "INSERT INTO entry_federated_trust_domains (entry_id, trust_domain) VALUES (?, ?)"
            )
            for trustDomain in entry.federatesWith {
                try insertTrustDomain.execute(arguments: [entry.id, trustDomain.name])
            }
        }
        if !entry.dnsNames.isEmpty {
            let insertName = try db.cachedStatement(
                sql: "INSERT INTO entry_dns_names (entry_id, position, name) VALUES (?, ?, ?)"
            )
            for (position, name) in entry.dnsNames.enumerated() {
                try insertName.execute(arguments: [entry.id, position, name])
            }
        }
    }

    /// The `WHERE` clause of an entry query over `registered_entries e`.
    static func entryFilter(_ query: RegistrationEntryQuery) -> SQLFilter {
        var filter = SQLFilter()
        if let parentID = query.parentID { filter.add("e.parent_id = ?", parentID.string) }
        if let spiffeID = query.spiffeID { filter.add("e.spiffe_id = ?", spiffeID.string) }
        if let hint = query.hint { filter.add("e.hint = ?", hint) }
        if let downstream = query.downstream { filter.add("e.downstream = ?", downstream) }
        if let match = query.selectors {
            filter.addSetMatch(
                match.mode,
                table: "entry_selectors",
                keyColumn: "entry_id",
                outerKey: "e.id",
                columns: ["type", "value"],
                rows: match.selectors.map { [$0.type, $0.value] },
                recordsNeverEmpty: true
            )
        }
        if let match = query.federatesWith {
            filter.addSetMatch(
                match.mode,
                table: "entry_federated_trust_domains",
                keyColumn: "entry_id",
                outerKey: "e.id",
                columns: ["trust_domain"],
                rows: match.trustDomains.map { [$0.name] },
                recordsNeverEmpty: false
            )
        }
        return filter
    }
}
