import PostgresNIO
package import SteepleDatastore

extension PostgresDatastore: ChangeLogStore {
    package func listEvents(after seq: UInt64, limit: Int) async throws(DatastoreError) -> [ChangeEvent] {
        try Pagination(size: limit).validate()
        return try await read { session in
            try await session.rows(
                "SELECT seq, kind, object_id FROM change_log WHERE seq > \(Int64(clamping: seq)) ORDER BY seq LIMIT \(Int64(limit))"
            ).map { row in
                let (seq, kind, id) = try row.decode((Int64, String, String).self)
                return ChangeEvent(seq: UInt64(seq), kind: ChangeEvent.Kind(rawValue: kind), id: id)
            }
        }
    }

    package func latestSequence() async throws(DatastoreError) -> UInt64 {
        // The head row keeps the last sequence number handed out, even after pruning.
        try await read { session in UInt64(max(0, try await session.one("SELECT seq FROM change_log_head WHERE id = 1", as: Int64.self))) }
    }

    package func pruneEvents(through seq: UInt64) async throws(DatastoreError) -> Int {
        try await write { session in
            try await session.column("DELETE FROM change_log WHERE seq <= \(Int64(clamping: seq)) RETURNING seq", as: Int64.self).count
        }
    }
}
