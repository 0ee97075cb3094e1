import PostgresNIO
package import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension PostgresDatastore: AttestedNodeStore {
    package func createNode(_ node: AttestedNode) async throws(DatastoreError) -> Committed<AttestedNode> {
        let at = now()
        let stored = try node.validatedForStorage(createdAt: at)
        return try await write { session in
            let key = stored.spiffeID.string
            if try await Self.fetchNode(session, key) != nil {
                throw DatastoreError.alreadyExists("node", key)
            }
            try await session.execute(
                """
                INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial_number, cert_not_after,
                    new_cert_serial_number, new_cert_not_after, can_reattest, banned, created_at, agent_version)
                VALUES (\(key), \(stored.attestationType), \(stored.certSerialNumber), \(DatastoreTime.seconds(stored.certNotAfter)),
                    \(stored.newCertSerialNumber), \(stored.newCertNotAfter.map(DatastoreTime.seconds)), \(stored.canReattest),
                    \(stored.banned), \(DatastoreTime.seconds(stored.createdAt)), \(stored.agentVersion))
                """)
            try await Self.insertNodeSelectors(session, stored)
            return Committed(value: stored, seq: try await Self.appendEvent(session, .nodeCreated, key, at: at))
        }
    }

    package func fetchNode(spiffeID: SPIFFEID) async throws(DatastoreError) -> AttestedNode? {
        try await read { session in try await Self.fetchNode(session, spiffeID.string) }
    }

    package func listNodes(_ query: AttestedNodeQuery, pagination: Pagination?) async throws(DatastoreError) -> Page<AttestedNode> {
        try query.validate()
        try pagination?.validate()
        var filter = Self.nodeFilter(query)
        let limit = filter.page(pagination, keyColumn: "n.spiffe_id")
        let sql = filter.query("SELECT \(Self.nodeColumns) FROM attested_nodes n \(filter.whereSQL) ORDER BY n.spiffe_id \(limit)")
        let unreadable = self.unreadable
        let read = try await read(replica: true) { session in try await Self.fetchNodeRows(session, sql, unreadable: unreadable) }
        return Page.cut(read.nodes, rowKeys: read.rowKeys, pagination, key: \.spiffeID.string)
    }

    package func countNodes(_ query: AttestedNodeQuery) async throws(DatastoreError) -> Int {
        try query.validate()
        let filter = Self.nodeFilter(query)
        let sql = filter.query("SELECT COUNT(*) FROM attested_nodes n \(filter.whereSQL)")
        return try await read(replica: true) { session in try await session.one(sql, as: Int.self) }
    }

    package func updateNode(_ node: AttestedNode) async throws(DatastoreError) -> Committed<AttestedNode> {
        _ = try node.validatedForStorage(createdAt: node.createdAt)
        let at = now()
        return try await write { session in
            let key = node.spiffeID.string
            guard let current = try await Self.fetchNode(session, key) else {
                throw DatastoreError.notFound("node", key)
            }
            var stored = try node.validatedForStorage(createdAt: current.createdAt)
            // The reported version is the store's, as createdAt: only setAgentVersion writes it.
            stored.agentVersion = current.agentVersion
            try await session.execute(
                """
                UPDATE attested_nodes SET attestation_type = \(stored.attestationType), cert_serial_number = \(stored.certSerialNumber),
                    cert_not_after = \(DatastoreTime.seconds(stored.certNotAfter)), new_cert_serial_number = \(stored.newCertSerialNumber),
                    new_cert_not_after = \(stored.newCertNotAfter.map(DatastoreTime.seconds)), can_reattest = \(stored.canReattest),
                    banned = \(stored.banned)
                WHERE spiffe_id = \(key)
                """)
            if current.selectors != stored.selectors {
                try await session.execute("DELETE FROM node_selectors WHERE spiffe_id = \(key)")
                try await Self.insertNodeSelectors(session, stored)
            }
            return Committed(value: stored, seq: try await Self.appendEvent(session, .nodeUpdated, key, at: at))
        }
    }

    package func setAgentVersion(_ version: String, spiffeID: SPIFFEID) async throws(DatastoreError) -> Committed<AttestedNode> {
        try AttestedNode.validateAgentVersion(version)
        let at = now()
        return try await write { session in
            let key = spiffeID.string
            let updated = try await session.column(
                "UPDATE attested_nodes SET agent_version = \(version) WHERE spiffe_id = \(key) RETURNING spiffe_id", as: String.self)
            guard !updated.isEmpty, let node = try await Self.fetchNode(session, key) else {
                throw DatastoreError.notFound("node", key)
            }
            return Committed(value: node, seq: try await Self.appendEvent(session, .nodeUpdated, key, at: at))
        }
    }

    package func deleteNode(spiffeID: SPIFFEID) async throws(DatastoreError) -> Committed<AttestedNode> {
        let at = now()
        return try await write { session in
            let key = spiffeID.string
            guard let node = try await Self.fetchNode(session, key) else {
                throw DatastoreError.notFound("node", key)
            }
            try await session.execute("DELETE FROM attested_nodes WHERE spiffe_id = \(key)")
            return Committed(value: node, seq: try await Self.appendEvent(session, .nodeDeleted, key, at: at))
        }
    }

    package func pruneNodes(expiredBefore date: Date, includeNonReattestable: Bool) async throws(DatastoreError) -> [Committed<AttestedNode>] {
        let cutoff = DatastoreTime.seconds(date)
        let at = now()
        return try await write { session in
            let reattest = includeNonReattestable ? "" : "AND n.can_reattest"
            let expired = try await Self.fetchNodeRows(
                session,
                "SELECT \(unescaped: Self.nodeColumns) FROM attested_nodes n WHERE n.cert_not_after < \(cutoff) AND NOT n.banned \(unescaped: reattest) ORDER BY n.spiffe_id",
                unreadable: nil
            ).nodes
            guard !expired.isEmpty else { return [] }
            let keys = expired.map(\.spiffeID.string)
            try await session.execute("DELETE FROM attested_nodes WHERE spiffe_id = ANY(\(keys)::text[])")
            let seqs = try await Self.appendEvents(session, .nodeDeleted, keys, at: at)
            return zip(expired, seqs).map { Committed(value: $0, seq: $1) }
        }
    }
}

extension PostgresDatastore {
    static let nodeColumns = """
        n.spiffe_id, n.attestation_type, n.cert_serial_number, n.cert_not_after, n.new_cert_serial_number, \
        n.new_cert_not_after, n.can_reattest, n.banned, n.created_at, n.agent_version, \
        ARRAY(SELECT s.type FROM node_selectors s WHERE s.spiffe_id = n.spiffe_id ORDER BY s.type, s.value), \
        ARRAY(SELECT s.value FROM node_selectors s WHERE s.spiffe_id = n.spiffe_id ORDER BY s.type, s.value)
        """

    static func fetchNode(_ session: PostgresSession, _ key: String) async throws -> AttestedNode? {
        try await fetchNodeRows(session, "SELECT \(unescaped: nodeColumns) FROM attested_nodes n WHERE n.spiffe_id = \(key)", unreadable: nil).nodes.first
    }

    /// Reads the nodes `query` selects (with ``nodeColumns``), with the key of every row read; a row that does not
    /// decode throws `corruptRecord` (`unreadable` `nil`) or is told to `unreadable` and left out.
    static func fetchNodeRows(
        _ session: PostgresSession,
        _ query: PostgresQuery,
        unreadable: UnreadableRecordHandler?
    ) async throws -> (nodes: [AttestedNode], rowKeys: [String]) {
        var nodes: [AttestedNode] = []
        var rowKeys: [String] = []
        for row in try await session.rows(query) {
            let key = try row.decode(String.self)
            rowKeys.append(key)
            do {
                nodes.append(try decodeNode(row, key: key))
            } catch {
                guard let unreadable else { throw error }
                unreadable(key, error)
            }
        }
        return (nodes, rowKeys)
    }

    private static func decodeNode(_ row: PostgresRow, key: String) throws(DatastoreError) -> AttestedNode {
        let columns: (String, String, String, Int64, String?, Int64?, Bool, Bool, Int64, String, [String], [String])
        do {
            columns = try row.decode((String, String, String, Int64, String?, Int64?, Bool, Bool, Int64, String, [String], [String]).self)
        } catch {
            throw StoredValues.corrupt("node \(key) has a column of the wrong type: \(error)", error)
        }
        let what = "node \(key)"
        var selectors: [Selector] = []
        for (type, value) in zip(columns.10, columns.11) {
            selectors.append(try StoredValues.selector(type: type, value: value, of: what))
        }
        return AttestedNode(
            spiffeID: try StoredValues.spiffeID(key, "SPIFFE ID", of: what),
            attestationType: columns.1,
            certSerialNumber: columns.2,
            certNotAfter: try StoredValues.time(columns.3, "cert_not_after", of: what),
            newCertSerialNumber: columns.4,
            newCertNotAfter: try columns.5.map { (seconds) throws(DatastoreError) in try StoredValues.time(seconds, "new_cert_not_after", of: what) },
            canReattest: columns.6,
            banned: columns.7,
            selectors: selectors,
            createdAt: try StoredValues.time(columns.8, "created_at", of: what),
            agentVersion: columns.9
        )
    }

    static func insertNodeSelectors(_ session: PostgresSession, _ node: AttestedNode) async throws {
        guard !node.selectors.isEmpty else { return }
        try await session.execute(
            """
            INSERT INTO node_selectors (spiffe_id, type, value)
            SELECT \(node.spiffeID.string), t, v FROM UNNEST(\(node.selectors.map(\.type))::text[], \(node.selectors.map(\.value))::text[]) AS u(t, v)
            """)
    }

    /// The `WHERE` clause of a node query over `attested_nodes n`.
    static func nodeFilter(_ query: AttestedNodeQuery) -> PostgresFilter {
        var filter = PostgresFilter()
        if let banned = query.banned { filter.add("n.banned = \(filter.bind(banned))") }
        if let type = query.attestationType { filter.add("n.attestation_type = \(filter.bind(type))") }
        if let before = query.certExpiresBefore { filter.add("n.cert_not_after < \(filter.bind(DatastoreTime.seconds(before)))") }
        if let canReattest = query.canReattest { filter.add("n.can_reattest = \(filter.bind(canReattest))") }
        if let match = query.selectors {
            filter.addSetMatch(
                match.mode, table: "node_selectors", keyColumn: "spiffe_id", outerKey: "n.spiffe_id", columns: ["type", "value"],
                values: [match.selectors.map(\.type), match.selectors.map(\.value)], recordsNeverEmpty: false)
        }
        return filter
    }
}
