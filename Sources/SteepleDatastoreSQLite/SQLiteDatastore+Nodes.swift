import GRDB
package import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension SQLiteDatastore: AttestedNodeStore {
    package func createNode(_ node: AttestedNode) async throws(DatastoreError) -> Committed<AttestedNode> {
        let at = now()
        let stored = try node.validatedForStorage(createdAt: at)
        return try await write { db in
            let key = stored.spiffeID.string
            if try Self.fetchNode(db, key) != nil {
                throw DatastoreError.alreadyExists("node", key)
            }
            try db.execute(
                sql: """
                    INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial_number, cert_not_after, \
                    new_cert_serial_number, new_cert_not_after, can_reattest, banned, created_at, agent_version) \
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key, stored.attestationType, stored.certSerialNumber, DatastoreTime.seconds(stored.certNotAfter),
                    stored.newCertSerialNumber, stored.newCertNotAfter.map(DatastoreTime.seconds), stored.canReattest,
                    stored.banned, DatastoreTime.seconds(stored.createdAt), stored.agentVersion,
                ]
            )
            try Self.insertNodeSelectors(db, stored)
            return Committed(value: stored, seq: try Self.appendEvent(db, .nodeCreated, key, at: at))
        }
    }

    package func fetchNode(spiffeID: SPIFFEID) async throws(DatastoreError) -> AttestedNode? {
        try await read { db in try Self.fetchNode(db, spiffeID.string) }
    }

    package func listNodes(
        _ query: AttestedNodeQuery,
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<AttestedNode> {
        try query.validate()
        try pagination?.validate()
        var filter = Self.nodeFilter(query)
        let page = Self.pageClause(pagination, keyColumn: "n.spiffe_id")
        if let clause = page.where, let token = pagination?.token {
            filter.add(clause, token)
        }
        let sql =
            "SELECT \(Self.nodeColumns) FROM attested_nodes n \(filter.whereSQL) ORDER BY n.spiffe_id \(page.limit)"
        let arguments = filter.statementArguments()
        let unreadable = self.unreadable
        let read = try await read { db in try Self.fetchNodeRows(db, sql: sql, arguments: arguments, unreadable: unreadable) }
        // Paged by the rows read, so that a skipped (unreadable) row never ends the listing early.
        guard let pagination, read.rowKeys.count > pagination.size else {
            return Page(items: read.nodes, nextToken: nil)
        }
        let inPage = Set(read.rowKeys.prefix(pagination.size))
        return Page(items: read.nodes.filter { inPage.contains($0.spiffeID.string) }, nextToken: read.rowKeys[pagination.size - 1])
    }

    package func countNodes(_ query: AttestedNodeQuery) async throws(DatastoreError) -> Int {
        try query.validate()
        let filter = Self.nodeFilter(query)
        let sql = "SELECT COUNT(*) FROM attested_nodes n \(filter.whereSQL)"
        let arguments = filter.statementArguments()
        return try await read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }

    package func updateNode(_ node: AttestedNode) async throws(DatastoreError) -> Committed<AttestedNode> {
        _ = try node.validatedForStorage(createdAt: node.createdAt)
        let at = now()
        return try await write { db in
            let key = node.spiffeID.string
            guard let current = try Self.fetchNode(db, key) else {
                throw DatastoreError.notFound("node", key)
            }
            var stored = try node.validatedForStorage(createdAt: current.createdAt)
            // The reported version is the store's, as createdAt: only setAgentVersion writes it.
            stored.agentVersion = current.agentVersion
            try db.execute(
                sql: """
                    UPDATE attested_nodes SET attestation_type = ?, cert_serial_number = ?, cert_not_after = ?, \
                    new_cert_serial_number = ?, new_cert_not_after = ?, can_reattest = ?, banned = ? \
                    WHERE spiffe_id = ?
                    """,
                arguments: [
                    stored.attestationType, stored.certSerialNumber, DatastoreTime.seconds(stored.certNotAfter),
                    stored.newCertSerialNumber, stored.newCertNotAfter.map(DatastoreTime.seconds), stored.canReattest,
                    stored.banned, key,
                ]
            )
            if current.selectors != stored.selectors {
                try db.execute(sql: "DELETE FROM node_selectors WHERE spiffe_id = ?", arguments: [key])
                try Self.insertNodeSelectors(db, stored)
            }
            return Committed(value: stored, seq: try Self.appendEvent(db, .nodeUpdated, key, at: at))
        }
    }

    package func setAgentVersion(_ version: String, spiffeID: SPIFFEID) async throws(DatastoreError) -> Committed<AttestedNode> {
        try AttestedNode.validateAgentVersion(version)
        let at = now()
        return try await write { db in
            let key = spiffeID.string
            try db.execute(sql: "UPDATE attested_nodes SET agent_version = ? WHERE spiffe_id = ?", arguments: [version, key])
            guard db.changesCount > 0, let node = try Self.fetchNode(db, key) else {
                throw DatastoreError.notFound("node", key)
            }
            return Committed(value: node, seq: try Self.appendEvent(db, .nodeUpdated, key, at: at))
        }
    }

    package func deleteNode(spiffeID: SPIFFEID) async throws(DatastoreError) -> Committed<AttestedNode> {
        let at = now()
        return try await write { db in
            let key = spiffeID.string
            guard let node = try Self.fetchNode(db, key) else {
                throw DatastoreError.notFound("node", key)
            }
            try db.execute(sql: "DELETE FROM attested_nodes WHERE spiffe_id = ?", arguments: [key])
            return Committed(value: node, seq: try Self.appendEvent(db, .nodeDeleted, key, at: at))
        }
    }

    package func pruneNodes(
        expiredBefore date: Date,
        includeNonReattestable: Bool
    ) async throws(DatastoreError) -> [Committed<AttestedNode>] {
        let cutoff = DatastoreTime.seconds(date)
        let at = now()
        return try await write { db in
            let reattest = includeNonReattestable ? "" : "AND n.can_reattest = 1"
            let expired = try Self.fetchNodes(
                db,
                sql: """
                    SELECT \(Self.nodeColumns) FROM attested_nodes n \
                    WHERE n.cert_not_after < ? AND n.banned = 0 \(reattest) ORDER BY n.spiffe_id
                    """,
                arguments: [cutoff]
            )
            return try expired.map { node in
                let key = node.spiffeID.string
                try db.execute(sql: "DELETE FROM attested_nodes WHERE spiffe_id = ?", arguments: [key])
                return Committed(value: node, seq: try Self.appendEvent(db, .nodeDeleted, key, at: at))
            }
        }
    }
}

extension SQLiteDatastore {
    static let nodeColumns = """
        n.spiffe_id, n.attestation_type, n.cert_serial_number, n.cert_not_after, n.new_cert_serial_number, \
        n.new_cert_not_after, n.can_reattest, n.banned, n.created_at, n.agent_version
        """

    static func fetchNode(_ db: Database, _ key: String) throws -> AttestedNode? {
        try fetchNodes(db, sql: "SELECT \(nodeColumns) FROM attested_nodes n WHERE n.spiffe_id = ?", arguments: [key])
            .first
    }

    /// Fetches the nodes that `sql` selects (with ``nodeColumns``), in its order, with their selectors.
    ///
    /// - Parameter unreadable: as for entries: `nil` throws `corruptRecord` for a row that does not decode; a handler
    ///   is told its key and the error, and the node is left out.
    static func fetchNodes(
        _ db: Database,
        sql: String,
        arguments: StatementArguments,
        unreadable: UnreadableRecordHandler? = nil
    ) throws -> [AttestedNode] {
        try fetchNodeRows(db, sql: sql, arguments: arguments, unreadable: unreadable).nodes
    }

    /// As ``fetchNodes(_:sql:arguments:unreadable:)``, also returning the key of every row read, skipped ones
    /// included (a page's next token comes from the rows, not from what decoded).
    static func fetchNodeRows(
        _ db: Database,
        sql: String,
        arguments: StatementArguments,
        unreadable: UnreadableRecordHandler? = nil
    ) throws -> (nodes: [AttestedNode], rowKeys: [String]) {
        var rowKeys: [String] = []
        var nodes: [AttestedNode] = []
        var bad: [String: DatastoreError] = [:]
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let key: String = try row.decode(String.self, atIndex: 0)
            rowKeys.append(key)
            do {
                nodes.append(try decodeNode(row, key: key))
            } catch {
                bad[key] = error
            }
        }
        let keys = nodes.map(\.spiffeID.string)
        var selectors: [String: [Selector]] = [:]
        for chunk in keys.chunked(keysPerQuery) where !keys.isEmpty {
            let sql = "SELECT spiffe_id, type, value FROM node_selectors WHERE spiffe_id IN (\(placeholders(chunk.count)))"
            try groupRows(db, sql, StatementArguments(chunk), into: &selectors, failures: &bad) { row, key in
                try selector(type: row.decode(atIndex: 1), value: row.decode(atIndex: 2), of: "node \(key)")
            }
        }
        if let first = bad.min(by: { $0.key < $1.key }) {
            guard let unreadable else { throw first.value }
            for (key, error) in bad.sorted(by: { $0.key < $1.key }) { unreadable(key, error) }
        }
        var result: [AttestedNode] = []
        result.reserveCapacity(nodes.count)
        for var node in nodes where bad[node.spiffeID.string] == nil {
            node.selectors = selectors[node.spiffeID.string] ?? []
            result.append(node)
        }
        return (result, rowKeys)
    }

    /// Decodes the columns of one `attested_nodes` row (``nodeColumns``), checking every value's type and range.
    private static func decodeNode(_ row: Row, key: String) throws(DatastoreError) -> AttestedNode {
        do {
            let newNotAfter = try row.decode(Int64?.self, atIndex: 5)
            return AttestedNode(
                spiffeID: try spiffeID(key, "SPIFFE ID", of: "node \(key)"),
                attestationType: try row.decode(atIndex: 1),
                certSerialNumber: try row.decode(atIndex: 2),
                certNotAfter: try time(row.decode(atIndex: 3), "cert_not_after", of: "node \(key)"),
                newCertSerialNumber: try row.decode(atIndex: 4),
                newCertNotAfter: try newNotAfter.map { (seconds) throws(DatastoreError) in try time(seconds, "new_cert_not_after", of: "node \(key)") },
                canReattest: try row.decode(atIndex: 6),
                banned: try row.decode(atIndex: 7),
                createdAt: try time(row.decode(atIndex: 8), "created_at", of: "node \(key)"),
                agentVersion: try row.decode(atIndex: 9)
            )
        } catch let error as DatastoreError {
            throw error
        } catch {
            throw corrupt("node \(key) has a column of the wrong type: \(error)", error)
        }
    }

    static func insertNodeSelectors(_ db: Database, _ node: AttestedNode) throws {
        let insert = try db.cachedStatement(sql: "INSERT INTO node_selectors (spiffe_id, type, value) VALUES (?, ?, ?)")
        for selector in node.selectors {
            try insert.execute(arguments: [node.spiffeID.string, selector.type, selector.value])
        }
    }

    /// The `WHERE` clause of a node query over `attested_nodes n`.
    static func nodeFilter(_ query: AttestedNodeQuery) -> SQLFilter {
        var filter = SQLFilter()
        if let banned = query.banned { filter.add("n.banned = ?", banned) }
        if let type = query.attestationType { filter.add("n.attestation_type = ?", type) }
        if let before = query.certExpiresBefore { filter.add("n.cert_not_after < ?", DatastoreTime.seconds(before)) }
        if let canReattest = query.canReattest { filter.add("n.can_reattest = ?", canReattest) }
        if let match = query.selectors {
            filter.addSetMatch(
                match.mode,
                table: "node_selectors",
                keyColumn: "spiffe_id",
                outerKey: "n.spiffe_id",
                columns: ["type", "value"],
                rows: match.selectors.map { [$0.type, $0.value] },
                recordsNeverEmpty: false
            )
        }
        return filter
    }
}
