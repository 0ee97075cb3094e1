import Foundation
import SteepleDatastore
import Testing

@Suite("JoinTokenStore conformance")
struct JoinTokenStoreTests {
    static let expiry = Date(timeIntervalSince1970: 1_800_000_600)

    @Test("create, fetch and count tokens", arguments: DatastoreKind.allCases)
    func createAndFetch(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let committed = try await store.createJoinToken(JoinToken(token: "t1", expiresAt: Self.expiry + 0.9))
            #expect(committed.value == JoinToken(token: "t1", expiresAt: Self.expiry))
            #expect(try await store.fetchJoinToken("t1") == committed.value)
            #expect(try await store.fetchJoinToken("t2") == nil)
            #expect(try await store.countJoinTokens() == 1)
        }
    }

    @Test("create of an existing token fails with alreadyExists", arguments: DatastoreKind.allCases)
    func duplicate(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createJoinToken(JoinToken(token: "t1", expiresAt: Self.expiry))
            await expectError(.alreadyExists) {
                _ = try await store.createJoinToken(JoinToken(token: "t1", expiresAt: Self.expiry + 60))
            }
        }
    }

    @Test(
        "an empty or unprintable token fails with invalidArgument",
        arguments: DatastoreKind.allCases,
        ["", "a b", "tab\t"]
    )
    func invalid(kind: DatastoreKind, token: String) async throws {
        try await kind.withStore { store in
            await expectError(.invalidArgument) {
                _ = try await store.createJoinToken(JoinToken(token: token, expiresAt: Self.expiry))
            }
        }
    }

    @Test("consume returns the token once; a second consume fails with notFound", arguments: DatastoreKind.allCases)
    func consume(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createJoinToken(JoinToken(token: "t1", expiresAt: Self.expiry))
            let consumed = try await store.consumeJoinToken("t1")
            #expect(consumed.value.token == "t1")
            #expect(try await store.fetchJoinToken("t1") == nil)
            await expectError(.notFound) { _ = try await store.consumeJoinToken("t1") }
            await expectError(.notFound) { _ = try await store.deleteJoinToken("never-issued") }
        }
    }

    @Test("of many concurrent consumers of one token exactly one gets it", arguments: DatastoreKind.allCases)
    func concurrentConsume(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createJoinToken(JoinToken(token: "race", expiresAt: Self.expiry))
            let winners = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        do {
                            _ = try await store.consumeJoinToken("race")
                            return true
                        } catch {
                            return false
                        }
                    }
                }
                var count = 0
                for await won in group where won { count += 1 }
                return count
            }
            #expect(winners == 1)
        }
    }

    @Test("prune deletes tokens that expired before the cutoff", arguments: DatastoreKind.allCases)
    func prune(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createJoinToken(JoinToken(token: "old", expiresAt: Self.expiry - 60))
            _ = try await store.createJoinToken(JoinToken(token: "edge", expiresAt: Self.expiry))
            _ = try await store.createJoinToken(JoinToken(token: "new", expiresAt: Self.expiry + 60))
            #expect(try await store.pruneJoinTokens(expiredBefore: Self.expiry) == 1)
            #expect(try await store.fetchJoinToken("old") == nil)
            #expect(try await store.countJoinTokens() == 2)
        }
    }
}
