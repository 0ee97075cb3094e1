import NIOSSL
import SPIFFE
import SteepleDatastore
import SteepleHTTP

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

/// Where an identity provider's token signing keys are read at each attestation: an `https://` URL (the system's
/// trust roots) or a local file (a path or `file://` URL), holding a JWK Set or PEM certificates by `kid`
/// (``JWSKeySet``).
struct CloudKeySetSource: Sendable {
    let location: String

    /// Whether `location` is a form this source reads.
    static func isValid(_ location: String) -> Bool {
        location.hasPrefix("https://") || location.hasPrefix("/") || location.hasPrefix("file://")
    }

    func load() async throws(APIRefusal) -> JWSKeySet {
        let bytes: [UInt8]
        if location.hasPrefix("https://") {
            guard let url = URL(string: location) else { throw APIRefusal(.internal, "unable to obtain JWKS: \(location) is not a URL") }
            var request = HTTPGet(url: url, transport: .network(tls: .makeClientConfiguration()))
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
            bytes = response.body
        } else {
            let path = location.hasPrefix("file://") ? String(location.dropFirst("file://".count)) : location
            guard let data = FileManager.default.contents(atPath: path) else {
                throw APIRefusal(.internal, "unable to obtain JWKS: \(path) cannot be read")
            }
            bytes = Array(data)
        }
        do {
            return try JWSKeySet(json: bytes)
        } catch {
            throw APIRefusal(.internal, "unable to obtain JWKS: \(location): \(error.message)")
        }
    }
}
