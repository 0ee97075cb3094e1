import NIOSSL
import SPIFFE
import SteepleHTTP
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where an identity provider's token signing keys are read: an `https://` URL (the system's trust roots as Go, so
/// SPIRE, reads them: `SSL_CERT_FILE`, `SSL_CERT_DIR`; ``SystemTrustRoots``) or a local
/// file (a path or `file://` URL), holding a JWK Set or PEM certificates by `kid` (``JWSKeySet``). A file is read at
/// each attestation; a URL's keys are kept for an hour (SPIRE refreshes Azure's hourly and Google's as their
/// `Expires` says), and fetched again sooner when a token names a `kid` they lack, since providers rotate keys (at
/// most once a minute, so tokens with made-up `kid`s cannot make the server hammer the provider).
struct CloudKeySetSource: Sendable {
    let location: String
    private let cache = Cache()
    private let now: @Sendable () -> ContinuousClock.Instant
    /// Fetches the URL's document; replaced in tests.
    private let download: (@Sendable () async throws(APIRefusal) -> [UInt8])?

    init(location: String) {
        self.location = location
        self.now = { ContinuousClock.now }
        self.download = nil
    }

    /// A source whose URL documents come from `download`, with `now` as the clock: for tests of the caching.
    init(location: String, now: @escaping @Sendable () -> ContinuousClock.Instant, download: @escaping @Sendable () async throws(APIRefusal) -> [UInt8]) {
        self.location = location
        self.now = now
        self.download = download
    }

    private final class Cache: Sendable {
        let state = Mutex<(fetched: ContinuousClock.Instant, keys: JWSKeySet)?>(nil)
    }

    /// Whether `location` is a form this source reads.
    static func isValid(_ location: String) -> Bool {
        location.hasPrefix("https://") || location.hasPrefix("/") || location.hasPrefix("file://")
    }

    /// The keys, with `keyID` among them if the provider has it.
    func load(keyID: String? = nil) async throws(APIRefusal) -> JWSKeySet {
        guard location.hasPrefix("https://") else { return try parse(try readFile()) }
        let now = self.now()
        if let cached = cache.state.withLock({ $0 }), now - cached.fetched < .seconds(3600) {
            let hasKey = keyID.map { cached.keys.keys[$0] != nil } ?? true
            if hasKey || now - cached.fetched < .seconds(60) { return cached.keys }
        }
        let bytes: [UInt8]
        if let download { bytes = try await download() } else { bytes = try await fetch() }
        let keys = try parse(bytes)
        cache.state.withLock { $0 = (now, keys) }
        return keys
    }

    private func readFile() throws(APIRefusal) -> [UInt8] {
        let path = location.hasPrefix("file://") ? String(location.dropFirst("file://".count)) : location
        guard let data = FileManager.default.contents(atPath: path) else {
            throw APIRefusal(.internal, "unable to obtain JWKS: \(path) cannot be read")
        }
        return Array(data)
    }

    private func fetch() async throws(APIRefusal) -> [UInt8] {
        guard let url = URL(string: location) else { throw APIRefusal(.internal, "unable to obtain JWKS: \(location) is not a URL") }
        let response: HTTPGet.Response
        do {
            response = try await CloudAPIRequest.send(url)
        } catch {
            throw APIRefusal(.internal, "unable to obtain JWKS: \(error.description)")
        }
        guard response.status == 200 else {
            throw APIRefusal(.internal, "unable to obtain JWKS: \(location) answered \(response.status) \(response.reason)")
        }
        return response.body
    }

    private func parse(_ bytes: [UInt8]) throws(APIRefusal) -> JWSKeySet {
        do {
            return try JWSKeySet(json: bytes)
        } catch {
            throw APIRefusal(.internal, "unable to obtain JWKS: \(location): \(error.message)")
        }
    }
}
