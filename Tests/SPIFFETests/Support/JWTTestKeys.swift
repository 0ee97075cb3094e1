import Crypto
import Foundation
@testable import SPIFFE
import SwiftASN1
import X509
import _CryptoExtras

/// Keys, certificates, bundles and hand-made tokens for the JWT-SVID and bundle tests. Everything is generated here,
/// in-test; RSA keys are generated once per test process because 2048-bit generation is slow.
enum JWTTestKeys {
    static let rsa2048A = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let rsa2048B = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static let exampleOrg = try! TrustDomain("example.org")
    static let otherOrg = try! TrustDomain("other.org")
    static let workload = try! SPIFFEID("spiffe://example.org/ns/prod/sa/web")

    /// A fixed "now" for validation: 2026-01-01T00:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_767_225_600)

    static func p256Key(_ kid: String = "p256-kid") -> JWTSigningKey {
        try! JWTSigningKey(P256.Signing.PrivateKey(), keyID: kid)
    }

    /// A JWT bundle of `trustDomain` publishing `keys` under their kids.
    static func bundle(_ trustDomain: TrustDomain = exampleOrg, _ keys: JWTSigningKey...) -> JWTBundle {
        JWTBundle(
            trustDomain: trustDomain,
            jwtAuthorities: Dictionary(uniqueKeysWithValues: keys.map { ($0.keyID, $0.publicKey) })
        )
    }

    /// Claims of a well-formed JWT-SVID for ``workload``, valid at ``now``, as JSON text.
    static func claims(
        sub: String = "\"spiffe://example.org/ns/prod/sa/web\"",
        aud: String? = "[\"spiffe://example.org/api\"]",
        exp: String? = "1767226200",
        iat: String? = "1767225600",
        nbf: String? = nil
    ) -> String {
        var members = ["\"sub\":\(sub)"]
        if let aud { members.append("\"aud\":\(aud)") }
        if let exp { members.append("\"exp\":\(exp)") }
        if let iat { members.append("\"iat\":\(iat)") }
        if let nbf { members.append("\"nbf\":\(nbf)") }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// The standard header for `key`, as JSON text.
    static func header(for key: JWTSigningKey) -> String {
        "{\"alg\":\"\(key.algorithm.name)\",\"kid\":\"\(key.keyID)\",\"typ\":\"JWT\"}"
    }

    /// A token made of exactly `header` and `claims` (JSON text), signed with `key`.
    static func forge(header: String, claims: String, signedWith key: JWTSigningKey) -> String {
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        return input + "." + Base64URL.encode(try! key.sign(Array(input.utf8)))
    }

    /// A token made of `header` and `claims` with `signature` bytes as its third part.
    static func forge(header: String, claims: String, signature: [UInt8]) -> String {
        Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8)) + "."
            + Base64URL.encode(signature)
    }

    /// A self-signed CA certificate for `trustDomain`, shaped like SPIRE's (SPEC §2.3).
    static func caCertificate(
        _ key: Certificate.PrivateKey,
        trustDomain: TrustDomain = exampleOrg
    ) -> Certificate {
        let name = try! DistinguishedName {
            CountryName("US")
            OrganizationName("SPIFFE")
        }
        return try! Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now - 3600,
            notValidAfter: now + 86_400,
            issuer: name,
            subject: name,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)])
            },
            issuerPrivateKey: key
        )
    }

    /// The DER of `certificate`, standard base64, as an `x5c` entry.
    static func x5c(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return Data(serializer.serializedBytes).base64EncodedString()
    }

    /// `bytes` as JSON text.
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// Decodes a JSON object for inspection.
    static func object(_ bytes: some Collection<UInt8>) -> [String: JSONValue] {
        try! JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
    }
}
