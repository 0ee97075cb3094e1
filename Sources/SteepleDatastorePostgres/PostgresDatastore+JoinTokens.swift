import PostgresNIO
package import SteepleDatastore

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Tokens are stored, looked up and logged in the change log by their SHA-256 only (``JoinTokenDigest``).
extension PostgresDatastore: JoinTokenStore {
    package func createJoinToken(_ token: JoinToken) async throws(DatastoreError) -> Committed<JoinToken> {
        let stored = try token.validatedForStorage()
        let at = now()
        let digest = JoinTokenDigest.hex(stored.token)
        return try await write { session in
            if try await Self.fetchJoinToken(session, stored.token) != nil {
                throw DatastoreError(code: .alreadyExists, message: "join token already exists")
            }
            try await session.execute("INSERT INTO join_tokens (token, expires_at) VALUES (\(digest), \(DatastoreTime.seconds(stored.expiresAt)))")
            return Committed(value: stored, seq: try await Self.appendEvent(session, .joinTokenCreated, digest, at: at))
        }
    }

    package func fetchJoinToken(_ token: String) async throws(DatastoreError) -> JoinToken? {
        try await read { session in try await Self.fetchJoinToken(session, token) }
    }

    package func consumeJoinToken(_ token: String) async throws(DatastoreError) -> Committed<JoinToken> {
        // The write lock makes the read-then-delete atomic across callers and servers.
        try await deleteJoinToken(token)
    }

    package func deleteJoinToken(_ token: String) async throws(DatastoreError) -> Committed<JoinToken> {
        let at = now()
        let digest = JoinTokenDigest.hex(token)
        return try await write { session in
            guard let stored = try await Self.fetchJoinToken(session, token) else {
                throw DatastoreError(code: .notFound, message: "join token not found (never issued, or already used)")
            }
            try await session.execute("DELETE FROM join_tokens WHERE token = \(digest)")
            return Committed(value: stored, seq: try await Self.appendEvent(session, .joinTokenDeleted, digest, at: at))
        }
    }

    package func countJoinTokens() async throws(DatastoreError) -> Int {
        try await read { session in try await session.one("SELECT COUNT(*) FROM join_tokens", as: Int.self) }
    }

    package func pruneJoinTokens(expiredBefore date: Date) async throws(DatastoreError) -> Int {
        let cutoff = DatastoreTime.seconds(date)
        let at = now()
        return try await write { session in
            let expired = try await session.column(
                "DELETE FROM join_tokens WHERE expires_at < \(cutoff) RETURNING token", as: String.self
            ).sorted()
            _ = try await Self.appendEvents(session, .joinTokenDeleted, expired, at: at)
            return expired.count
        }
    }

    static func fetchJoinToken(_ session: PostgresSession, _ token: String) async throws -> JoinToken? {
        try await session.column("SELECT expires_at FROM join_tokens WHERE token = \(JoinTokenDigest.hex(token))", as: Int64.self)
            .first.map { JoinToken(token: token, expiresAt: DatastoreTime.date(seconds: $0)) }
    }
}
