import SPIFFE
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JWT-SVIDs minted for (entry, audience set), reused until half of their lifetime has passed (SPIRE's rule).
final class JWTSVIDCache: Sendable {
    struct Token: Sendable {
        let token: String
        let issuedAt: Date
        let expiresAt: Date
        let refreshAt: Date
        /// The `kid` of the key that signed it: a token of a tainted or revoked key is dropped.
        var keyID = ""
        /// When it was last stored or served (a tick): past the size limit, the least recently used goes.
        var lastUsed: UInt64 = 0
    }

    private struct Tokens {
        var byKey: [String: Token] = [:]
        var clock: UInt64 = 0
    }

    private let tokens = Mutex(Tokens())
    /// SPIRE's `jwt_svid_cache_max_size`: past it, the cache drops tokens due for refresh, then the least recently used.
    let maxSize: Int

    init(maxSize: Int = 1000) {
        self.maxSize = maxSize
    }

    /// The entry's ID, SPIFFE ID and revision are all in the key: a token cached for an entry that has since
    /// changed is never found again (and ages out), so no invalidation pass is needed.
    static func key(for entry: AgentEntry, audience: [String]) -> String {
        ([entry.id, entry.spiffeID.string, String(entry.revision)] + audience.sorted()).joined(separator: "\u{0}")
    }

    func token(for key: String, now: Date) -> String? {
        cached(for: key, now: now)?.token
    }

    /// The cached token with its times, while it is not due for refresh.
    func cached(for key: String, now: Date) -> Token? {
        tokens.withLock { tokens in
            guard var token = tokens.byKey[key], token.refreshAt > now else { return nil }
            tokens.clock += 1
            token.lastUsed = tokens.clock
            tokens.byKey[key] = token
            return token
        }
    }

    /// How many tokens are held (the Debug API's `cached_jwt_svids_count`).
    var count: Int { tokens.withLock { $0.byKey.count } }

    @discardableResult
    func store(_ token: String, issuedAt: Date, expiresAt: Date, keyID: String, for key: String) -> Token {
        let refreshAt = issuedAt + expiresAt.timeIntervalSince(issuedAt) / 2
        return tokens.withLock { tokens in
            if tokens.byKey[key] == nil, tokens.byKey.count >= maxSize {
                let now = Date()
                tokens.byKey = tokens.byKey.filter { $0.value.refreshAt > now }
                while tokens.byKey.count >= maxSize, let oldest = tokens.byKey.min(by: { $0.value.lastUsed < $1.value.lastUsed })?.key {
                    tokens.byKey[oldest] = nil
                }
            }
            tokens.clock += 1
            var stored = Token(token: token, issuedAt: issuedAt, expiresAt: expiresAt, refreshAt: refreshAt, keyID: keyID)
            stored.lastUsed = tokens.clock
            tokens.byKey[key] = stored
            return stored
        }
    }

    /// Drops every token signed by a key in `tainted`: the next request gets a token of the key that signs now.
    /// Returns how many were dropped.
    @discardableResult
    func drop(signedBy tainted: Set<String>) -> Int {
        guard !tainted.isEmpty else { return 0 }
        return drop { tainted.contains($0.keyID) }
    }

    /// Drops every token signed by a key not in `published` (a revoked key). Returns how many were dropped.
    @discardableResult
    func drop(keeping published: Set<String>) -> Int {
        drop { !published.contains($0.keyID) }
    }

    private func drop(where shouldDrop: (Token) -> Bool) -> Int {
        tokens.withLock { tokens in
            let before = tokens.byKey.count
            tokens.byKey = tokens.byKey.filter { !shouldDrop($0.value) }
            return before - tokens.byKey.count
        }
    }

}
