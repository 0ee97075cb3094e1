import PostgresNIO
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension PostgresDatastore: RegistrationEntryStore {
    package func createEntry(_ entry: RegistrationEntry) async throws(DatastoreError) -> Committed<RegistrationEntry> {
        try await createEntries([entry])[0]
    }

    package func createEntries(_ entries: [RegistrationEntry]) async throws(DatastoreError) -> [Committed<RegistrationEntry>] {
        let createdAt = now()
        var stored: [RegistrationEntry] = []
        stored.reserveCapacity(entries.count)
        for entry in entries {
            stored.append(try entry.validatedForStorage(createdAt: createdAt, revisionNumber: 0))
        }
        guard !stored.isEmpty else { return [] }
        return try await write { [stored] session in
            let ids = stored.map(\.id)
            let taken = Set(try await session.column("SELECT id FROM registered_entries WHERE id = ANY(\(ids)::text[])", as: String.self))
            var seen: Set<String> = []
            for entry in stored where taken.contains(entry.id) || !seen.insert(entry.id).inserted {
                throw DatastoreError.alreadyExists("entry", entry.id)
            }
            if let duplicate = try await Self.firstDuplicateEntry(session, in: stored) {
                throw DatastoreError.duplicateEntry(duplicate.entry, existingID: duplicate.existingID)
            }
            try await Self.insertEntryRows(session, stored)
            let seqs = try await Self.appendEvents(session, .entryCreated, ids, at: createdAt)
            return zip(stored, seqs).map { Committed(value: $0, seq: $1) }
        }
    }

    package func fetchEntry(id: String) async throws(DatastoreError) -> RegistrationEntry? {
        try await read { session in try await Self.fetchEntry(session, id: id) }
    }

    package func fetchEntries(ids: some Collection<String> & Sendable) async throws(DatastoreError) -> [String: RegistrationEntry] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let unreadable = self.unreadable
        let entries = try await read { session in
            try await Self.fetchEntryRows(
                session, "SELECT \(unescaped: Self.entryColumnsWithChildren) FROM registered_entries e WHERE e.id = ANY(\(unique)::text[])",
                unreadable: unreadable
            ).entries
        }
        return Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package func listEntries(
        _ query: RegistrationEntryQuery,
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<RegistrationEntry> {
        try query.validate()
        try pagination?.validate()
        var filter = Self.entryFilter(query)
        // Unfiltered, a page is every entry between its first and last ID: its child rows are read by that range.
        let children: ChildRows = filter.clauses.isEmpty ? .inIDRange : .inline
        let limit = filter.page(pagination, keyColumn: "e.id")
        let columns = children == .inline ? Self.entryColumnsWithChildren : Self.entryColumns
        let sql = filter.query("SELECT \(columns) FROM registered_entries e \(filter.whereSQL) ORDER BY e.id \(limit)")
        let unreadable = self.unreadable
        let read = try await read(snapshot: children == .inIDRange, replica: true) { session in
            try await Self.fetchEntryRows(session, sql, unreadable: unreadable, children: children)
        }
        return Page.cut(read.entries, rowKeys: read.rowIDs, pagination, key: \.id)
    }

    package func countEntries(_ query: RegistrationEntryQuery) async throws(DatastoreError) -> Int {
        try query.validate()
        let filter = Self.entryFilter(query)
        let sql = filter.query("SELECT COUNT(*) FROM registered_entries e \(filter.whereSQL)")
        return try await read(replica: true) { session in try await session.one(sql, as: Int.self) }
    }

    package func updateEntry(
        _ entry: RegistrationEntry,
        expectedRevision: Int64?
    ) async throws(DatastoreError) -> Committed<RegistrationEntry> {
        _ = try entry.validatedForStorage(createdAt: entry.createdAt, revisionNumber: 0)
        let at = now()
        return try await write { session in
            let rows = try await session.rows("SELECT revision_number, created_at FROM registered_entries WHERE id = \(entry.id)")
            guard let row = rows.first else {
                throw DatastoreError.notFound("entry", entry.id)
            }
            let (revision, createdAt) = try row.decode((Int64, Int64).self)
            if let expectedRevision, expectedRevision != revision {
                var stale = entry
                stale.revisionNumber = revision
                throw DatastoreError.revisionConflict(stale, expected: expectedRevision)
            }
            let updated = try entry.validatedForStorage(createdAt: DatastoreTime.date(seconds: createdAt), revisionNumber: revision + 1)
            if let duplicate = try await Self.firstDuplicateEntry(session, in: [updated]) {
                throw DatastoreError.duplicateEntry(duplicate.entry, existingID: duplicate.existingID)
            }
            try await Self.updateEntryRows(session, updated)
            return Committed(value: updated, seq: try await Self.appendEvent(session, .entryUpdated, updated.id, at: at))
        }
    }

    package func deleteEntry(id: String) async throws(DatastoreError) -> Committed<RegistrationEntry?> {
        let at = now()
        return try await write { session in
            let entry: RegistrationEntry?
            do {
                guard let found = try await Self.fetchEntry(session, id: id) else {
                    throw DatastoreError.notFound("entry", id)
                }
                entry = found
            } catch let error as DatastoreError where error.code == .corruptRecord {
                // A row that cannot be read is deleted all the same.
                entry = nil
            }
            try await session.execute("DELETE FROM registered_entries WHERE id = \(id)")
            return Committed(value: entry, seq: try await Self.appendEvent(session, .entryDeleted, id, at: at))
        }
    }

    package func pruneEntries(expiredBefore date: Date) async throws(DatastoreError) -> [Committed<RegistrationEntry>] {
        let cutoff = DatastoreTime.seconds(date)
        let at = now()
        let unreadable = self.unreadable
        return try await write { session in
            let expired = try await Self.fetchEntryRows(
                session, "SELECT \(unescaped: Self.entryColumnsWithChildren) FROM registered_entries e WHERE e.expires_at < \(cutoff) ORDER BY e.id",
                unreadable: unreadable
            ).entries
            guard !expired.isEmpty else { return [] }
            let ids = expired.map(\.id)
            try await session.execute("DELETE FROM registered_entries WHERE id = ANY(\(ids)::text[])")
            let seqs = try await Self.appendEvents(session, .entryDeleted, ids, at: at)
            return zip(expired, seqs).map { Committed(value: $0, seq: $1) }
        }
    }
}
