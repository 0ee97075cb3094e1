import Crypto
import Foundation
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

/// String extra claims take the direct path (JSON written by hand, no parse of the result): its tokens must be what
/// the general path (`JSONEncoder`, then parsed back) makes, byte for byte before the signature, and verify.
struct JWTSVIDFastSigningTests {
    /// The same claims as an `Encodable` that is not `[String: String]`, which takes the general path.
    struct Claims: Encodable {
        var values: [String: String]
        func encode(to encoder: any Encoder) throws { try values.encode(to: encoder) }
    }

    static let keys: [JWTSigningKey] = [
        try! JWTSigningKey(P256.Signing.PrivateKey(), keyID: "es256"),
        try! JWTSigningKey(P384.Signing.PrivateKey(), keyID: "key/with \"quotes\" and \\ slash"),
        try! JWTSigningKey(try _RSA.Signing.PrivateKey(keySize: .bits2048), keyID: "rs", algorithm: .ps256),
    ]

    @Test("header and claims are byte-identical to JSONEncoder's; the fields are what a parse gives; the signature verifies", arguments: [
        ([:], ["api"]),
        (["iss": "https://oidc.example.org"], ["api", "db"]),
        (["iss": "https://oidc.example.org/a?b=c&d=é", "jti": "AbC-_0"], ["a\"b", "tab\there", "new\nline", "ctl\u{1}"]),
    ] as [([String: String], [String])])
    func sameAsGeneralPath(_ extra: [String: String], _ audience: [String]) throws {
        let subject = try SPIFFEID("spiffe://example.org/ns/default/sa/web")
        let now = Date(timeIntervalSince1970: 1_765_000_000.75)
        for key in Self.keys {
            let fast = try JWTSVID.sign(subject: subject, audience: audience, expiresAt: now + 300.9, issuedAt: now, key: key, extraClaims: extra)
            let general = try JWTSVID.sign(subject: subject, audience: audience, expiresAt: now + 300.9, issuedAt: now, key: key, extraClaims: Claims(values: extra))
            let fastParts = fast.token.split(separator: ".")
            let generalParts = general.token.split(separator: ".")
            #expect(fastParts[0] == generalParts[0], "header for \(key.keyID)")
            #expect(fastParts[1] == generalParts[1], "claims for \(key.keyID): \(String(decoding: fast.claimsJSON, as: UTF8.self)) vs \(String(decoding: general.claimsJSON, as: UTF8.self))")
            #expect(fast.claimsJSON == general.claimsJSON)
            let bundle = JWTBundle(trustDomain: subject.trustDomain, jwtAuthorities: [key.keyID: key.publicKey])
            let parsed = try JWTSVID.parseAndValidate(token: fast.token, bundles: bundle, audience: [audience[0]], now: now)
            #expect(parsed == fast, "the fields the direct path reports are those a parse finds")
            #expect(fast.issuer == extra["iss"])
        }
    }

    @Test("the direct path refuses what the general one refuses")
    func refusals() throws {
        let key = Self.keys[0]
        let subject = try SPIFFEID("spiffe://example.org/web")
        let now = Date(timeIntervalSince1970: 1_765_000_000)
        #expect(throws: SPIFFEError.self) { try JWTSVID.sign(subject: subject, audience: ["a"], expiresAt: now + 60, key: key, extraClaims: ["sub": "x"]) }
        #expect(throws: SPIFFEError.self) { try JWTSVID.sign(subject: subject, audience: ["a"], expiresAt: now, issuedAt: now, key: key, extraClaims: ["iss": "x"]) }
        #expect(throws: SPIFFEError.self) { try JWTSVID.sign(subject: subject, audience: [], expiresAt: now + 60, key: key, extraClaims: ["iss": "x"]) }
    }
}
