import Crypto
import NIOHTTP1
import NIOSSL
import SPIFFE
import SteepleHTTP
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one Compute Engine API call `gcp_iit`'s `use_instance_metadata` needs, `instances.get`, authenticated as
/// Google's Application Default Credentials are: with a service account key file (`service_account_file`, else
/// `GOOGLE_APPLICATION_CREDENTIALS`; an OAuth 2.0 JWT-bearer assertion signed with its key, exchanged at its
/// `token_uri`), or else with the token of the GCE metadata server the server runs on (`GCE_METADATA_HOST`, else
/// `metadata.google.internal`).
struct GCPComputeClient: Sendable {
    enum Credentials: Sendable {
        case serviceAccount(ServiceAccountKey)
        case metadataServer(host: String)
    }

    /// The fields of a service account key file (`"type": "service_account"`) used here.
    struct ServiceAccountKey: Sendable {
        let clientEmail: String
        let privateKeyID: String
        let privateKey: _RSA.Signing.PrivateKey
        let tokenURI: String

        /// Parses a key file as the Cloud console downloads it.
        init(json: [UInt8], path: String) throws(GCPComputeError) {
            struct File: Decodable {
                var type: String?
                var client_email: String?
                var private_key_id: String?
                var private_key: String?
                var token_uri: String?
            }
            guard let file = try? JSONDecoder().decode(File.self, from: Data(json)) else {
                throw GCPComputeError("service account file \(path) is not JSON")
            }
            guard file.type == "service_account", let email = file.client_email, let pem = file.private_key else {
                throw GCPComputeError("service account file \(path) is not a service account key (type \"service_account\" with client_email and private_key)")
            }
            do {
                privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw GCPComputeError("service account file \(path): private_key is not an RSA key in PEM")
            }
            clientEmail = email
            privateKeyID = file.private_key_id ?? ""
            tokenURI = file.token_uri ?? "https://oauth2.googleapis.com/token"
        }
    }

    /// What SPIRE reads of an instance.
    struct Instance: Decodable, Sendable {
        struct Tags: Decodable, Sendable { var items: [String]? }
        struct Metadata: Decodable, Sendable {
            struct Item: Decodable, Sendable {
                var key: String
                var value: String?
            }
            var items: [Item]?
        }
        var tags: Tags?
        var labels: [String: String]?
        var metadata: Metadata?
    }

    static let scope = "https://www.googleapis.com/auth/compute.readonly"

    let credentials: Credentials
    /// The API root, `https://compute.googleapis.com/compute/v1/` unless configured.
    let endpoint: String

    /// `GET <endpoint>projects/<project>/zones/<zone>/instances/<name>`.
    func instance(project: String, zone: String, name: String) async throws(GCPComputeError) -> Instance {
        let token = try await accessToken()
        let base = endpoint.hasSuffix("/") ? endpoint : endpoint + "/"
        guard let url = URL(string: base + "projects/\(Self.segment(project))/zones/\(Self.segment(zone))/instances/\(Self.segment(name))") else {
            throw GCPComputeError("the instance URL cannot be formed from \(endpoint)")
        }
        let body = try await send(url, headers: [("Authorization", "Bearer " + token), ("Accept", "application/json")], what: "instances.get")
        do {
            return try JSONDecoder().decode(Instance.self, from: Data(body))
        } catch {
            throw GCPComputeError("instances.get answered something other than an Instance: \(error)")
        }
    }

    /// An OAuth 2.0 access token for the Compute API.
    private func accessToken() async throws(GCPComputeError) -> String {
        struct TokenResponse: Decodable { var access_token: String? }
        let body: [UInt8]
        switch credentials {
        case .serviceAccount(let key):
            guard let url = URL(string: key.tokenURI) else { throw GCPComputeError("token_uri \(key.tokenURI) is not a URL") }
            let assertion = try Self.assertion(key: key, now: Date())
            let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion
            body = try await send(url, method: .POST, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8), what: "the token exchange")
        case .metadataServer(let host):
            guard let url = URL(string: "http://\(host)/computeMetadata/v1/instance/service-accounts/default/token") else {
                throw GCPComputeError("metadata server host \(host) does not form a URL")
            }
            body = try await send(url, headers: [("Metadata-Flavor", "Google")], what: "the metadata server's token")
        }
        guard let token = (try? JSONDecoder().decode(TokenResponse.self, from: Data(body)))?.access_token, !token.isEmpty else {
            throw GCPComputeError("the token response has no access_token")
        }
        return token
    }

    /// The RS256 JWT-bearer assertion (RFC 7523) Google's token endpoint takes for a service account.
    static func assertion(key: ServiceAccountKey, now: Date) throws(GCPComputeError) -> String {
        let issued = Int(now.timeIntervalSince1970)
        func encode(_ object: [String: String]) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Base64URL.encode(Array((try? encoder.encode(object)) ?? Data()))
        }
        var header = ["alg": "RS256", "typ": "JWT"]
        if !key.privateKeyID.isEmpty { header["kid"] = key.privateKeyID }
        let claims = #"{"aud":"\#(key.tokenURI)","exp":\#(issued + 3600),"iat":\#(issued),"iss":"\#(key.clientEmail)","scope":"\#(scope)"}"#
        let input = encode(header) + "." + Base64URL.encode(Array(claims.utf8))
        do {
            let signature = try key.privateKey.signature(for: SHA256.hash(data: Array(input.utf8)), padding: .insecurePKCS1v1_5)
            return input + "." + Base64URL.encode(Array(signature.rawRepresentation))
        } catch {
            throw GCPComputeError("unable to sign the token assertion: \(error)")
        }
    }

    private func send(_ url: URL, method: HTTPMethod = .GET, headers: [(String, String)], body: [UInt8]? = nil, what: String) async throws(GCPComputeError) -> [UInt8] {
        let response: HTTPGet.Response
        do {
            response = try await CloudAPIRequest.send(url, method: method, headers: headers, body: body)
        } catch {
            throw GCPComputeError("\(what): \(error.description)")
        }
        guard response.status == 200 else {
            throw GCPComputeError("\(what): \(response.status) \(response.reason): \(String(decoding: response.body.prefix(512), as: UTF8.self))")
        }
        return response.body
    }

    /// A path segment with `/`, `?`, `#`, `%`, space and non-ASCII bytes escaped.
    private static func segment(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "%"), UInt8(ascii: " "), 0x80...:
                escaped += "%" + String(byte, radix: 16, uppercase: true)
            default:
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return escaped
    }
}

/// A Compute API call that failed.
struct GCPComputeError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
