import NIOSSL
import SPIFFE
import SteepleDatastore
import SteepleHTTP
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the cloud node attestors (`gcp_iit`, `aws_iid`, `azure_msi`) share: SPIRE's trust-on-first-use rule, agent IDs
/// from a path template, go-jose's claim time checks, and where signing keys come from.
enum CloudAttestation {
    /// SPIRE's `AssessTOFU`: evidence that already attested an agent (an agent with this ID is in the datastore) is
    /// refused; evicting the agent allows it again.
    static func assessTOFU(_ agentID: SPIFFEID, nodes: any AttestedNodeStore) async throws {
        if try await nodes.fetchNode(spiffeID: agentID) != nil {
            throw APIRefusal(.attestationFailed, "attestation data has already been used to attest an agent")
        }
    }

    /// `spiffe://<td>/spire/agent<path>`, as SPIRE's `idutil.AgentID`.
    static func agentID(trustDomain: TrustDomain, path: String) throws -> SPIFFEID {
        do throws(SPIFFEError) {
            guard path.hasPrefix("/") else { throw SPIFFEError(code: .invalidSPIFFEID, message: "agent path \"\(path)\" must start with /") }
            return try SPIFFEID(trustDomain: trustDomain, path: "/spire/agent" + path)
        } catch {
            throw APIRefusal(.internal, "failed to create agent ID: \(error.message)")
        }
    }

    /// The registered claims go-jose's `Validate` checks, with its words: `exp` (expired), `nbf` (not valid yet),
    /// `iat` (issued in the future), each with `leeway`, then `aud` (any of `audience`).
    struct RegisteredClaims: Decodable {
        var exp: Double?
        var nbf: Double?
        var iat: Double?
        var aud: Audience?

        struct Audience: Decodable {
            var values: [String]
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let one = try? container.decode(String.self) { values = [one] } else { values = try container.decode([String].self) }
            }
        }

        /// nil when valid, else go-jose's message.
        func failure(audience: [String], now: Date, leeway: Double) -> String? {
            let time = now.timeIntervalSince1970
            if let nbf, time + leeway < nbf { return "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)" }
            if let exp, time - leeway > exp { return "go-jose/go-jose/jwt: validation failed, token is expired (exp)" }
            if let iat, time + leeway < iat { return "go-jose/go-jose/jwt: validation field, token issued in the future (iat)" }
            guard let aud, aud.values.contains(where: audience.contains) else {
                return "go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)"
            }
            return nil
        }
    }
}

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
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.trustRoots = try SystemTrustRoots.roots(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw APIRefusal(.internal, "unable to obtain JWKS: \(error.description)")
        }
        var request = HTTPGet(url: url, transport: .network(tls: tls))
        request.timeout = .seconds(20)
        let response: HTTPGet.Response
        do {
            response = try await request.run()
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

extension CloudAttestation {
    /// The `kid` of a compact JWS's header, unverified: to choose keys, and to name a missing one.
    static func keyID(of token: String) -> String? {
        guard let header = token.split(separator: ".", omittingEmptySubsequences: false).first else { return nil }
        var base64 = header.replacing("-", with: "+").replacing("_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let bytes = Data(base64Encoded: String(base64)),
              let object = try? JSONDecoder().decode([String: JSONHeaderValue].self, from: bytes),
              case .string(let kid)? = object["kid"] else { return nil }
        return String(kid.prefix(64))
    }

    /// A header member: only strings matter here.
    enum JSONHeaderValue: Decodable {
        case string(String)
        case other
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) { self = .string(string) } else { self = .other }
        }
    }
}
