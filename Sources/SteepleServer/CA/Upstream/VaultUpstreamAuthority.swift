import NIOHTTP1
import NIOSSL
import SPIFFE
import SPIFFECA
import SteepleHTTP
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's `UpstreamAuthority "vault"`: Vault's PKI secrets engine signs the server's CA
/// (`POST /v1/<pki_mount_point>/root/sign-intermediate`), authenticated by a token or by AppRole (a login per
/// signing: CAs are signed rarely, so no token is kept to renew). The answer is checked before use, as an upstream
/// server's is.
struct VaultUpstreamAuthority: UpstreamAuthority {
    let settings: VaultUpstreamConfiguration
    let address: URL

    init(settings: VaultUpstreamConfiguration) throws {
        guard let address = URL(string: settings.vaultAddress), let scheme = address.scheme, ["http", "https"].contains(scheme), address.host != nil else {
            throw CAError(.upstreamAuthority, "vault_addr \"\(settings.vaultAddress)\" is not an http:// or https:// URL")
        }
        self.settings = settings
        self.address = address
    }

    func mintX509CA(trustDomain: TrustDomain, privateKey: Certificate.PrivateKey, subject: DistinguishedName, ttl: Duration, now: Date) async throws -> X509Authority {
        let token = try await authenticate()
        let csr = try SPIREUpstreamAuthority.csr(for: privateKey, trustDomain: trustDomain, subject: subject)
        let request: [String: String] = [
            "common_name": Self.attribute(subject, .RDNAttributeType.commonName),
            "organization": Self.attribute(subject, .RDNAttributeType.organizationName),
            "country": Self.attribute(subject, .RDNAttributeType.countryName),
            "uri_sans": trustDomain.idString,
            "csr": PEMDocument(type: "CERTIFICATE REQUEST", derBytes: csr).pemString,
            "ttl": "\(ttl.components.seconds)",
        ]
        let answer = try await call("/v1/\(settings.pkiMountPoint)/root/sign-intermediate", body: request, token: token)
        guard let data = answer.data else {
            throw CAError(.upstreamAuthority, "Vault answered sign-intermediate without data")
        }
        guard let certificatePEM = data.certificate else {
            throw CAError(.upstreamAuthority, "Vault answered sign-intermediate without certificate")
        }
        guard let issuingPEM = data.issuingCA else {
            throw CAError(.upstreamAuthority, "Vault answered sign-intermediate without issuing_ca")
        }
        // SPIRE's reading: the root is the last of ca_chain (issuing_ca when Vault is the root); the chain is the new
        // CA and ca_chain's others (Vault 1.11+ lists the new CA in ca_chain too).
        let caChain = data.caChain ?? []
        let rootPEM = caChain.last ?? issuingPEM
        do {
            let certificate = try Certificate(pemEncoded: certificatePEM)
            let root = try Certificate(pemEncoded: rootPEM)
            var chain = [certificate]
            for pem in caChain where pem != rootPEM {
                let above = try Certificate(pemEncoded: pem)
                if above != certificate { chain.append(above) }
            }
            return try UpstreamAnswer.authority(chain: chain, roots: [root], privateKey: privateKey, trustDomain: trustDomain, now: now, source: "Vault at \(settings.vaultAddress)")
        } catch let error as CAError {
            throw error
        } catch {
            throw CAError(.upstreamAuthority, "Vault answered sign-intermediate with a certificate that is not PEM: \(error)")
        }
    }

    /// The token to sign with: the configured one, or one an AppRole login gives.
    private func authenticate() async throws -> String {
        switch settings.authentication {
        case .token(let token):
            return token
        case .appRole(let mountPoint, let roleID, let secretID):
            let answer = try await call("/v1/auth/\(mountPoint)/login", body: ["role_id": roleID, "secret_id": secretID], token: nil)
            guard let token = answer.auth?.clientToken, !token.isEmpty else {
                throw CAError(.upstreamAuthority, "Vault's AppRole login at auth/\(mountPoint) answered without auth.client_token")
            }
            return token
        }
    }

    /// One Vault API call (POST, JSON both ways). A refusal names Vault's `errors`.
    private func call(_ path: String, body: [String: String], token: String?) async throws -> VaultAnswer {
        guard let url = URL(string: address.absoluteString.trimmingSuffix("/") + path) else {
            throw CAError(.upstreamAuthority, "vault_addr \(settings.vaultAddress) and \(path) do not make a URL")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caCertPath = settings.caCertPath {
            tls.trustRoots = .file(caCertPath)
        }
        if settings.insecureSkipVerify {
            tls.certificateVerification = .none
        }
        var request = HTTPGet(url: url, transport: .network(tls: tls))
        request.method = .POST
        request.headers = [("Content-Type", "application/json"), ("Accept", "application/json"), ("X-Vault-Request", "true")]
        if let token { request.headers.append(("X-Vault-Token", token)) }
        if let namespace = settings.namespace { request.headers.append(("X-Vault-Namespace", namespace)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        request.body = Array(try encoder.encode(body))
        request.timeout = .seconds(30)
        let response: HTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            throw CAError(.upstreamAuthority, "cannot reach Vault: \(error.message)")
        }
        let answer = try? JSONDecoder().decode(VaultAnswer.self, from: Data(response.body))
        guard (200..<300).contains(response.status) else {
            let errors = answer?.errors?.joined(separator: "; ") ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw CAError(.upstreamAuthority, "Vault refused POST \(path): \(response.status) \(response.reason): \(errors)")
        }
        guard let answer else {
            throw CAError(.upstreamAuthority, "Vault answered POST \(path) with a body that is not Vault's JSON")
        }
        return answer
    }

    /// The values of one attribute of `name`, comma-joined as SPIRE sends them.
    static func attribute(_ name: DistinguishedName, _ type: ASN1ObjectIdentifier) -> String {
        name.flatMap { $0 }.filter { $0.type == type }.map { "\($0.value)" }.joined(separator: ",")
    }
}

/// The parts of Vault's answers read here (its API's field names).
struct VaultAnswer: Decodable {
    struct SignedIntermediate: Decodable {
        var certificate: String?
        var issuingCA: String?
        var caChain: [String]?

        enum CodingKeys: String, CodingKey {
            case certificate
            case issuingCA = "issuing_ca"
            case caChain = "ca_chain"
        }
    }

    struct Auth: Decodable {
        var clientToken: String?

        enum CodingKeys: String, CodingKey {
            case clientToken = "client_token"
        }
    }

    var data: SignedIntermediate?
    var auth: Auth?
    var errors: [String]?
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
