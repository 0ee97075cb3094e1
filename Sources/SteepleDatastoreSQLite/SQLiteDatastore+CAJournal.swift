import GRDB
package import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLiteDatastore: CAJournalStore {
    package func fetchCAJournal(id: String) async throws(DatastoreError) -> CAJournal? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.journalColumns) FROM ca_journals WHERE id = ?", arguments: [id])
                .map(Self.journal)
        }
    }

    package func fetchLatestCAJournal() async throws(DatastoreError) -> CAJournal? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT \(Self.journalColumns) FROM ca_journals ORDER BY change_seq DESC LIMIT 1"
            ).map(Self.journal)
        }
    }

    package func listCAJournals() async throws(DatastoreError) -> [CAJournal] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT \(Self.journalColumns) FROM ca_journals ORDER BY id").map(Self.journal)
        }
    }

    package func setCAJournal(
        id: String,
        data: [UInt8],
        expectedVersion: UInt64?
    ) async throws(DatastoreError) -> Committed<CAJournal> {
        try DatastoreValidation.validateKey(id, "CA journal ID")
        let at = now()
        return try await write { db in
            let stored = try Int64.fetchOne(db, sql: "SELECT version FROM ca_journals WHERE id = ?", arguments: [id])
            let storedVersion = stored.map { UInt64(bitPattern: $0) } ?? 0
            if let expectedVersion, expectedVersion != storedVersion {
                throw DatastoreError.journalVersionConflict(id: id, stored: storedVersion, expected: expectedVersion)
            }
            let journal = CAJournal(
                id: id,
                version: storedVersion + 1,
                data: data,
                updatedAt: DatastoreTime.truncated(at)
            )
            let seq = try Self.appendEvent(db, .caJournalUpdated, id, at: at)
            try db.execute(
                sql: """
                    INSERT INTO ca_journals (id, version, data, updated_at, change_seq) VALUES (?, ?, ?, ?, ?) \
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data, \
                    updated_at = excluded.updated_at, change_seq = excluded.change_seq
                    """,
                arguments: [
                    id, Int64(bitPattern: journal.version), Data(data), DatastoreTime.seconds(journal.updatedAt),
                    Int64(bitPattern: seq),
                ]
            )
            return Committed(value: journal, seq: seq)
        }
    }

    package func deleteCAJournal(id: String) async throws(DatastoreError) -> Committed<CAJournal> {
        let at = now()
        return try await write { db in
            guard
                let journal = try Row.fetchOne(
                    db,
                    sql: "SELECT \(Self.journalColumns) FROM ca_journals WHERE id = ?",
                    arguments: [id]
                ).map(Self.journal)
            else {
                throw DatastoreError.notFound("CA journal", id)
            }
            try db.execute(sql: "DELETE FROM ca_journals WHERE id = ?", arguments: [id])
            return Committed(value: journal, seq: try Self.appendEvent(db, .caJournalDeleted, id, at: at))
        }
    }

    static let journalColumns = "id, version, data, updated_at"

    static func journal(_ row: Row) -> CAJournal {
        let version: Int64 = row[1]
        let data: Data = row[2]
        return CAJournal(
            id: row[0],
            version: UInt64(bitPattern: version),
            data: [UInt8](data),
            updatedAt: DatastoreTime.date(seconds: row[3])
        )
    }
}
