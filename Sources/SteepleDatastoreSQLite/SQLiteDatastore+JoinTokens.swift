import GRDB
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Tokens are stored, looked up and logged in the change log by their SHA-256 only (``JoinTokenDigest``).
extension SQLiteDatastore: JoinTokenStore {
    package func createJoinToken(_ token: JoinToken) async throws(DatastoreError) -> Committed<JoinToken> {
        let stored = try token.validatedForStorage()
        let at = now()
        return try await write { db in
            if try Self.fetchJoinToken(db, stored.token) != nil {
                throw DatastoreError(code: .alreadyExists, message: "join token already exists")
            }
            let digest = JoinTokenDigest.hex(stored.token)
            try db.execute(
                sql: "INSERT INTO join_tokens (token, expires_at) VALUES (?, ?)",
                arguments: [digest, DatastoreTime.seconds(stored.expiresAt)]
            )
            return Committed(value: stored, seq: try Self.appendEvent(db, .joinTokenCreated, digest, at: at))
        }
    }

    package func fetchJoinToken(_ token: String) async throws(DatastoreError) -> JoinToken? {
        try await read { db in try Self.fetchJoinToken(db, token) }
    }

    package func consumeJoinToken(_ token: String) async throws(DatastoreError) -> Committed<JoinToken> {
        // One write transaction: the single writer makes the read-then-delete atomic across callers.
        try await deleteJoinToken(token)
    }

    package func deleteJoinToken(_ token: String) async throws(DatastoreError) -> Committed<JoinToken> {
        let at = now()
        return try await write { db in
            guard let stored = try Self.fetchJoinToken(db, token) else {
                throw DatastoreError(code: .notFound, message: "join token not found (never issued, or already used)")
            }
            let digest = JoinTokenDigest.hex(token)
            try db.execute(sql: "DELETE FROM join_tokens WHERE token = ?", arguments: [digest])
            return Committed(value: stored, seq: try Self.appendEvent(db, .joinTokenDeleted, digest, at: at))
        }
    }

    package func countJoinTokens() async throws(DatastoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM join_tokens") ?? 0 }
    }

    package func pruneJoinTokens(expiredBefore date: Date) async throws(DatastoreError) -> Int {
        let cutoff = DatastoreTime.seconds(date)
        let at = now()
        return try await write { db in
            let expired = try String.fetchAll(
                db,
                sql: "SELECT token FROM join_tokens WHERE expires_at < ? ORDER BY token",
                arguments: [cutoff]
            )
            for token in expired {
                try db.execute(sql: "DELETE FROM join_tokens WHERE token = ?", arguments: [token])
                _ = try Self.appendEvent(db, .joinTokenDeleted, token, at: at)
            }
            return expired.count
        }
    }

    static func fetchJoinToken(_ db: Database, _ token: String) throws -> JoinToken? {
        try Int64.fetchOne(db, sql: "SELECT expires_at FROM join_tokens WHERE token = ?", arguments: [JoinTokenDigest.hex(token)])
            .map { JoinToken(token: token, expiresAt: DatastoreTime.date(seconds: $0)) }
    }
}
