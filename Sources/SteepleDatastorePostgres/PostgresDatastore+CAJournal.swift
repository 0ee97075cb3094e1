import NIOCore
import PostgresNIO
package import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension PostgresDatastore: CAJournalStore {
    package func fetchCAJournal(id: String) async throws(DatastoreError) -> CAJournal? {
        try await read { session in try await Self.fetchJournal(session, id) }
    }

    package func fetchLatestCAJournal() async throws(DatastoreError) -> CAJournal? {
        try await read { session in
            try await session.rows("SELECT id, version, data, updated_at FROM ca_journals ORDER BY change_seq DESC LIMIT 1").first.map(Self.journal)
        }
    }

    package func listCAJournals() async throws(DatastoreError) -> [CAJournal] {
        try await read { session in try await session.rows("SELECT id, version, data, updated_at FROM ca_journals ORDER BY id").map(Self.journal) }
    }

    package func setCAJournal(id: String, data: [UInt8], expectedVersion: UInt64?) async throws(DatastoreError) -> Committed<CAJournal> {
        try DatastoreValidation.validateKey(id, "CA journal ID")
        let at = now()
        return try await write { session in
            let stored = try await session.column("SELECT version FROM ca_journals WHERE id = \(id)", as: Int64.self).first
            let storedVersion = stored.map { UInt64(bitPattern: $0) } ?? 0
            if let expectedVersion, expectedVersion != storedVersion {
                throw DatastoreError.journalVersionConflict(id: id, stored: storedVersion, expected: expectedVersion)
            }
            let journal = CAJournal(id: id, version: storedVersion + 1, data: data, updatedAt: DatastoreTime.truncated(at))
            let seq = try await Self.appendEvent(session, .caJournalUpdated, id, at: at)
            try await session.execute(
                """
                INSERT INTO ca_journals (id, version, data, updated_at, change_seq)
                VALUES (\(id), \(Int64(bitPattern: journal.version)), \(ByteBuffer(bytes: data)), \(DatastoreTime.seconds(journal.updatedAt)), \(Int64(bitPattern: seq)))
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, data = excluded.data, updated_at = excluded.updated_at,
                    change_seq = excluded.change_seq
                """)
            return Committed(value: journal, seq: seq)
        }
    }

    package func deleteCAJournal(id: String) async throws(DatastoreError) -> Committed<CAJournal> {
        let at = now()
        return try await write { session in
            guard let journal = try await Self.fetchJournal(session, id) else {
                throw DatastoreError.notFound("CA journal", id)
            }
            try await session.execute("DELETE FROM ca_journals WHERE id = \(id)")
            return Committed(value: journal, seq: try await Self.appendEvent(session, .caJournalDeleted, id, at: at))
        }
    }

    static func fetchJournal(_ session: PostgresSession, _ id: String) async throws -> CAJournal? {
        try await session.rows("SELECT id, version, data, updated_at FROM ca_journals WHERE id = \(id)").first.map(journal)
    }

    static func journal(_ row: PostgresRow) throws -> CAJournal {
        let (id, version, data, updatedAt) = try row.decode((String, Int64, ByteBuffer, Int64).self)
        return CAJournal(id: id, version: UInt64(bitPattern: version), data: Array(buffer: data), updatedAt: DatastoreTime.date(seconds: updatedAt))
    }
}
