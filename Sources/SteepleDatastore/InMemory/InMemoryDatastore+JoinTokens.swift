#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension InMemoryDatastore: JoinTokenStore {
    package func createJoinToken(_ token: JoinToken) throws(DatastoreError) -> Committed<JoinToken> {
        let stored = try token.validatedForStorage()
        guard joinTokens[stored.token] == nil else {
            throw DatastoreError(code: .alreadyExists, message: "join token already exists")
        }
        joinTokens[stored.token] = stored
        return Committed(value: stored, seq: appendEvent(.joinTokenCreated, stored.token))
    }

    package func fetchJoinToken(_ token: String) -> JoinToken? {
        joinTokens[token]
    }

    package func consumeJoinToken(_ token: String) throws(DatastoreError) -> Committed<JoinToken> {
        try deleteJoinToken(token)
    }

    package func deleteJoinToken(_ token: String) throws(DatastoreError) -> Committed<JoinToken> {
        guard let stored = joinTokens.removeValue(forKey: token) else {
            throw DatastoreError(code: .notFound, message: "join token not found (never issued, or already used)")
        }
        return Committed(value: stored, seq: appendEvent(.joinTokenDeleted, token))
    }

    package func countJoinTokens() -> Int {
        joinTokens.count
    }

    package func pruneJoinTokens(expiredBefore date: Date) -> Int {
        let cutoff = DatastoreTime.truncated(date)
        let expired = joinTokens.values.filter { $0.expiresAt < cutoff }.map(\.token).sorted(by: datastoreKeyPrecedes)
        for token in expired {
            joinTokens[token] = nil
            _ = appendEvent(.joinTokenDeleted, token)
        }
        return expired.count
    }
}
