import PostgresNIO
package import SteepleDatastore

extension PostgresDatastore: BulkEntryLoading {
    /// Reads the child tables whole (in index order, keyed by entry ID), then `registered_entries` in physical order,
    /// streamed: two sequential scans where ID-ordered pages would visit the heap at random (IDs are UUIDs). The child
    /// rows are held until the entries are read: about 150 bytes per selector. From the primary, never the replica.
    package func forEachEntryBatch(size batchSize: Int, _ body: ([RegistrationEntry]) async throws -> Void) async throws(DatastoreError) {
        let unreadable = self.unreadable
        try await read(snapshot: true) { session in
            var children = try await EntryChildRows.read(session, idRange: nil)
            var batch: [RegistrationEntry] = []
            batch.reserveCapacity(batchSize)
            for try await row in try await session.stream("SELECT \(unescaped: Self.entryColumns) FROM registered_entries e") {
                let id = try row.decode(String.self)
                do throws(DatastoreError) {
                    batch.append(try children.decodeEntry(row, id: id))
                } catch {
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
