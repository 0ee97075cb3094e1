import SPIFFE
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the cloud node attestors (`gcp_iit`, `aws_iid`, `azure_msi`) share: SPIRE's trust-on-first-use rule, agent IDs
/// from a path template, go-jose's claim checks, and reading a token's `kid`. Keys come from ``CloudKeySetSource``.
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

    /// The registered claims go-jose's `Validate` checks, in its order and with its words: `aud` (any of `audience`),
    /// then `nbf` (not valid yet), `exp` (expired) and `iat` (issued in the future), each with `leeway`.
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
            guard let aud, aud.values.contains(where: audience.contains) else {
                return "go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)"
            }
            let time = now.timeIntervalSince1970
            if let nbf, time + leeway < nbf { return "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)" }
            if let exp, time - leeway > exp { return "go-jose/go-jose/jwt: validation failed, token is expired (exp)" }
            // go-jose's own words, typo included.
            if let iat, time + leeway < iat { return "go-jose/go-jose/jwt: validation field, token issued in the future (iat)" }
            return nil
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
