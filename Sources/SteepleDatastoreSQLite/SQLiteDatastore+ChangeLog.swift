import GRDB
package import SteepleDatastore

extension SQLiteDatastore: ChangeLogStore {
    package func listEvents(after seq: UInt64, limit: Int) async throws(DatastoreError) -> [ChangeEvent] {
        try Pagination(size: limit).validate()
        return try await read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT seq, kind, object_id FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [Int64(clamping: seq), limit]
            ).map { row in
                let seq: Int64 = row[0]
                return ChangeEvent(seq: UInt64(seq), kind: ChangeEvent.Kind(rawValue: row[1]), id: row[2])
            }
        }
    }

    package func latestSequence() async throws(DatastoreError) -> UInt64 {
        // sqlite_sequence keeps the largest key AUTOINCREMENT ever handed out, even after pruning.
        try await read { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")
            return UInt64(max(0, seq ?? 0))
        }
    }

    package func pruneEvents(through seq: UInt64) async throws(DatastoreError) -> Int {
        try await write { db in
            try db.execute(sql: "DELETE FROM change_log WHERE seq <= ?", arguments: [Int64(clamping: seq)])
            return db.changesCount
        }
    }
}
