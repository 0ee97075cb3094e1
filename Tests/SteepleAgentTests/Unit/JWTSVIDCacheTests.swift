import Foundation
@testable import SteepleAgent
import SteepleServerAPIProto
import Testing

@Suite("JWT-SVID cache")
struct JWTSVIDCacheTests {
    func entry(revision: Int64, path: String = "/web") throws -> AgentEntry {
        var proto = Steeple_Server_V1_Entry()
        proto.id = "e1"
        proto.spiffeID = "spiffe://example.org" + path
        proto.revisionNumber = revision
        return try AgentEntry(proto: proto)
    }

    @Test("a token is reused until half-life, for any audience order, and never for a changed entry")
    func keyedByShape() throws {
        let cache = JWTSVIDCache()
        let issued = Date()
        cache.store("token", issuedAt: issued, expiresAt: issued + 300, keyID: "k1", for: JWTSVIDCache.key(for: try entry(revision: 1), audience: ["a", "b"]))
        #expect(cache.token(for: JWTSVIDCache.key(for: try entry(revision: 1), audience: ["b", "a"]), now: issued + 100) == "token")
        #expect(cache.token(for: JWTSVIDCache.key(for: try entry(revision: 1), audience: ["a", "b"]), now: issued + 151) == nil)
        #expect(cache.token(for: JWTSVIDCache.key(for: try entry(revision: 2), audience: ["a", "b"]), now: issued + 1) == nil)
        #expect(cache.token(for: JWTSVIDCache.key(for: try entry(revision: 1, path: "/db"), audience: ["a", "b"]), now: issued + 1) == nil)
        #expect(cache.token(for: JWTSVIDCache.key(for: try entry(revision: 1), audience: ["a"]), now: issued + 1) == nil)
    }

    @Test("a bundle drops the tokens of tainted keys and of keys it no longer publishes, and keeps the others")
    func dropsTaintedAndRevoked() throws {
        let cache = JWTSVIDCache()
        let issued = Date()
        let keys = try ["old", "gone", "current"].map { kid in
            (kid, JWTSVIDCache.key(for: try entry(revision: 1, path: "/" + kid), audience: ["a"]))
        }
        for (kid, key) in keys { cache.store("token-" + kid, issuedAt: issued, expiresAt: issued + 300, keyID: kid, for: key) }
        #expect(cache.drop(signedBy: []) == 0)
        #expect(cache.drop(keeping: ["old", "gone", "current"]) == 0)
        #expect(cache.drop(signedBy: ["old"]) == 1)
        #expect(cache.drop(keeping: ["old", "current"]) == 1)
        #expect(cache.token(for: keys[0].1, now: issued + 1) == nil)
        #expect(cache.token(for: keys[1].1, now: issued + 1) == nil)
        #expect(cache.token(for: keys[2].1, now: issued + 1) == "token-current")
    }

    @Test("jwt_svid_cache_max_size: past the limit the least recently used token goes, not everything")
    func leastRecentlyUsed() throws {
        let cache = JWTSVIDCache(maxSize: 3)
        let issued = Date()
        let keys = try (0..<4).map { JWTSVIDCache.key(for: try entry(revision: 1, path: "/w\($0)"), audience: ["a"]) }
        for index in 0..<3 { cache.store("t\(index)", issuedAt: issued, expiresAt: issued + 300, keyID: "k", for: keys[index]) }
        #expect(cache.token(for: keys[0], now: issued + 1) == "t0", "t0 served: now the most recently used")
        cache.store("t3", issuedAt: issued, expiresAt: issued + 300, keyID: "k", for: keys[3])
        #expect(cache.count == 3)
        #expect(cache.token(for: keys[1], now: issued + 1) == nil, "t1 was the least recently used")
        #expect(cache.token(for: keys[0], now: issued + 1) == "t0" && cache.token(for: keys[2], now: issued + 1) == "t2" && cache.token(for: keys[3], now: issued + 1) == "t3")
        // Storing again under a key already held evicts nothing.
        cache.store("t3b", issuedAt: issued, expiresAt: issued + 300, keyID: "k", for: keys[3])
        #expect(cache.count == 3 && cache.token(for: keys[0], now: issued + 1) == "t0")
    }
}
