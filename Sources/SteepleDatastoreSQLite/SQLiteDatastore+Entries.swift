import GRDB
import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension SQLiteDatastore: RegistrationEntryStore {
    package func createEntry(_ entry: RegistrationEntry) async throws(DatastoreError) -> Committed<RegistrationEntry> {
        try await createEntries([entry])[0]
    }

    package func createEntries(
        _ entries: [RegistrationEntry]
    ) async throws(DatastoreError) -> [Committed<RegistrationEntry>] {
        let createdAt = now()
        var stored: [RegistrationEntry] = []
        stored.reserveCapacity(entries.count)
        for entry in entries {
            stored.append(try entry.validatedForStorage(createdAt: createdAt, revisionNumber: 0))
        }
        return try await write { [stored] db in
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM registered_entries WHERE id = ?")
            var results: [Committed<RegistrationEntry>] = []
            results.reserveCapacity(stored.count)
            for entry in stored {
                if try Bool.fetchOne(exists, arguments: [entry.id]) != nil {
                    throw DatastoreError.alreadyExists("entry", entry.id)
                }
                if let existing = try Self.duplicateEntryID(db, of: entry) {
                    throw DatastoreError.duplicateEntry(entry, existingID: existing)
                }
                try Self.insertEntryRows(db, entry)
                let seq = try Self.appendEvent(db, .entryCreated, entry.id, at: createdAt)
                results.append(Committed(value: entry, seq: seq))
            }
            return results
        }
    }

    package func fetchEntry(id: String) async throws(DatastoreError) -> RegistrationEntry? {
        try await read { db in try Self.fetchEntry(db, id: id) }
    }

    package func fetchEntries(ids: some Collection<String> & Sendable) async throws(DatastoreError) -> [String: RegistrationEntry] {
        let unique = Array(Set(ids))
        guard !unique.isEmpty else { return [:] }
        let unreadable = self.unreadable
        return try await read { db in
            var found: [String: RegistrationEntry] = [:]
            found.reserveCapacity(unique.count)
            for chunk in unique.chunked(Self.keysPerQuery) {
                let sql = "SELECT \(Self.entryColumns) FROM registered_entries e WHERE e.id IN (\(Self.placeholders(chunk.count)))"
                for entry in try Self.fetchEntries(db, sql: sql, arguments: StatementArguments(chunk), unreadable: unreadable) {
                    found[entry.id] = entry
                }
            }
            return found
        }
    }

    package func listEntries(
        _ query: RegistrationEntryQuery,
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<RegistrationEntry> {
        try query.validate()
        try pagination?.validate()
        var filter = Self.entryFilter(query)
        // Without a filter a page is every entry between its first and last ID, so its child rows are one range of
        // each child table's primary key: scanned in order instead of looked up key by key.
        let children: SQLiteDatastore.ChildRows = filter.clauses.isEmpty ? .byKeyRange : .byKeys
        let page = Self.pageClause(pagination, keyColumn: "e.id")
        if let clause = page.where, let token = pagination?.token {
            filter.add(clause, token)
        }
        let sql = "SELECT \(Self.entryColumns) FROM registered_entries e \(filter.whereSQL) ORDER BY e.id \(page.limit)"
        let arguments = filter.statementArguments()
        let unreadable = self.unreadable
        var (entries, rowIDs) = try await read { db in
            try Self.fetchEntryRows(db, sql: sql, arguments: arguments, children: children, unreadable: unreadable)
        }
        // Paged by the rows read, so that a skipped (unreadable) row never ends the listing early.
        guard let pagination, rowIDs.count > pagination.size else {
            return Page(items: entries, nextToken: nil)
        }
        // One row more than the page was read (LIMIT size + 1), in ID order: when it decoded, it is the last entry.
        if entries.last?.id == rowIDs[pagination.size] { entries.removeLast() }
        return Page(items: entries, nextToken: rowIDs[pagination.size - 1])
    }

    package func countEntries(_ query: RegistrationEntryQuery) async throws(DatastoreError) -> Int {
        try query.validate()
        let filter = Self.entryFilter(query)
        let sql = "SELECT COUNT(*) FROM registered_entries e \(filter.whereSQL)"
        let arguments = filter.statementArguments()
        return try await read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }

    package func updateEntry(
        _ entry: RegistrationEntry,
        expectedRevision: Int64?
    ) async throws(DatastoreError) -> Committed<RegistrationEntry> {
        // Validate before the transaction; the stored createdAt and revision are filled in inside it.
        _ = try entry.validatedForStorage(createdAt: entry.createdAt, revisionNumber: 0)
        let at = now()
        return try await write { db in
            let current = try Row.fetchOne(
                db,
                sql: "SELECT revision_number, created_at FROM registered_entries WHERE id = ?",
                arguments: [entry.id]
            )
            guard let current else {
                throw DatastoreError.notFound("entry", entry.id)
            }
            let revision: Int64 = current[0]
            if let expectedRevision, expectedRevision != revision {
                var stale = entry
                stale.revisionNumber = revision
                throw DatastoreError.revisionConflict(stale, expected: expectedRevision)
            }
            let updated = try entry.validatedForStorage(
                createdAt: DatastoreTime.date(seconds: current[1]),
                revisionNumber: revision + 1
            )
            if let existing = try Self.duplicateEntryID(db, of: updated) {
                throw DatastoreError.duplicateEntry(updated, existingID: existing)
            }
            try Self.updateEntryRows(db, updated)
            return Committed(value: updated, seq: try Self.appendEvent(db, .entryUpdated, updated.id, at: at))
        }
    }

    package func deleteEntry(id: String) async throws(DatastoreError) -> Committed<RegistrationEntry?> {
        let at = now()
        return try await write { db in
            let entry: RegistrationEntry?
            do {
                guard let found = try Self.fetchEntry(db, id: id) else {
                    throw DatastoreError.notFound("entry", id)
                }
                entry = found
            } catch {
                // A row that cannot be read is deleted all the same.
                guard let stored = error as? DatastoreError, stored.code == .corruptRecord else { throw error }
                entry = nil
            }
            try db.cachedStatement(sql: "DELETE FROM registered_entries WHERE id = ?").execute(arguments: [id])
            return Committed(value: entry, seq: try Self.appendEvent(db, .entryDeleted, id, at: at))
        }
    }

    package func pruneEntries(expiredBefore date: Date) async throws(DatastoreError) -> [Committed<RegistrationEntry>] {
        let cutoff = DatastoreTime.seconds(date)
        let at = now()
        let unreadable = self.unreadable
        return try await write { db in
            let expired = try Self.fetchEntries(
                db,
                sql: "SELECT \(Self.entryColumns) FROM registered_entries e WHERE e.expires_at < ? ORDER BY e.id",
                arguments: [cutoff],
                unreadable: unreadable
            )
            let delete = try db.cachedStatement(sql: "DELETE FROM registered_entries WHERE id = ?")
            return try expired.map { entry in
                try delete.execute(arguments: [entry.id])
                return Committed(value: entry, seq: try Self.appendEvent(db, .entryDeleted, entry.id, at: at))
            }
        }
    }
}
