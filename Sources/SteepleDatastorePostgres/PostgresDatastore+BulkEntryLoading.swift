import PostgresNIO
package import SteepleDatastore

extension PostgresDatastore: BulkEntryLoading {
    /// Reads the child tables whole (in index order, keyed by entry ID), then `registered_entries` in physical order,
    /// streamed: two sequential scans where ID-ordered pages would visit the heap at random (IDs are UUIDs). The child
    /// rows are held until the entries are read: about 150 bytes per selector. From the primary, never the replica.
    package func forEachEntryBatch(size batchSize: Int, _ body: ([RegistrationEntry]) async throws -> Void) async throws(DatastoreError) {
        let unreadable = self.unreadable
        try await read(snapshot: true) { session in
            var selectors: [String: [(String, String)]] = [:]
            for try await (id, type, value) in try await session.stream("SELECT entry_id, type, value FROM entry_selectors ORDER BY entry_id, type, value")
                .decode((String, String, String).self) {
                selectors[id, default: []].append((type, value))
            }
            var federatesWith: [String: [String]] = [:]
            for try await (id, trustDomain) in try await session.stream(
                "SELECT entry_id, trust_domain FROM entry_federated_trust_domains ORDER BY entry_id, trust_domain"
            ).decode((String, String).self) {
                federatesWith[id, default: []].append(trustDomain)
            }
            var dnsNames: [String: [String]] = [:]
            for try await (id, name) in try await session.stream("SELECT entry_id, name FROM entry_dns_names ORDER BY entry_id, position")
                .decode((String, String).self) {
                dnsNames[id, default: []].append(name)
            }
            var batch: [RegistrationEntry] = []
            batch.reserveCapacity(batchSize)
            for try await row in try await session.stream("SELECT \(unescaped: Self.entryColumns) FROM registered_entries e") {
                let id = try row.decode(String.self)
                do {
                    batch.append(try Self.decodeEntry(
                        row, id: id, selectors: selectors.removeValue(forKey: id) ?? [], federatesWith: federatesWith.removeValue(forKey: id) ?? [],
                        dnsNames: dnsNames.removeValue(forKey: id) ?? []))
                } catch let error as DatastoreError {
                    unreadable(id, error)
                }
                if batch.count >= batchSize {
                    try await body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try await body(batch) }
        }
    }

    package func allNodesFromPrimary() async throws(DatastoreError) -> [AttestedNode] {
        let unreadable = self.unreadable
        return try await read { session in
            try await Self.fetchNodeRows(session, "SELECT \(unescaped: Self.nodeColumns) FROM attested_nodes n", unreadable: unreadable).nodes
        }
    }
}
