import Crypto
import Foundation
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

@Suite("JWTSigningKey")
struct JWTSigningKeyTests {
    typealias Keys = JWTTestKeys

    @Test("each key type defaults to its SPIRE algorithm")
    func defaults() throws {
        #expect(try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "a").algorithm == .es256)
        #expect(try JWTSigningKey(P384.Signing.PrivateKey(), keyID: "a").algorithm == .es384)
        #expect(try JWTSigningKey(P521.Signing.PrivateKey(), keyID: "a").algorithm == .es512)
        #expect(try JWTSigningKey(Keys.rsa2048A, keyID: "a").algorithm == .rs256)
        #expect(try JWTSigningKey(Keys.rsa2048A, keyID: "a", algorithm: .ps256).algorithm == .ps256)
    }

    @Test("an algorithm that does not fit the key is refused", arguments: [
        ("P-256 with ES384", JWTAlgorithm.es384), ("P-256 with RS256", .rs256), ("P-256 with PS256", .ps256),
    ])
    func p256Mismatch(_ name: String, algorithm: JWTAlgorithm) {
        let error = #expect(throws: SPIFFEError.self) { try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "a", algorithm: algorithm) }
        #expect(error?.code == .keyAlgorithmMismatch)
    }

    @Test("RSA keys refuse ES algorithms and P-384 keys refuse ES256")
    func otherMismatches() {
        #expect((#expect(throws: SPIFFEError.self) { try JWTSigningKey(Keys.rsa2048A, keyID: "a", algorithm: .es256) })?.code == .keyAlgorithmMismatch)
        #expect((#expect(throws: SPIFFEError.self) { try JWTSigningKey(P384.Signing.PrivateKey(), keyID: "a", algorithm: .es256) })?.code == .keyAlgorithmMismatch)
        #expect((#expect(throws: SPIFFEError.self) { try JWTSigningKey(P521.Signing.PrivateKey(), keyID: "a", algorithm: .es384) })?.code == .keyAlgorithmMismatch)
    }

    @Test("an empty kid is refused")
    func emptyKeyID() {
        let error = #expect(throws: SPIFFEError.self) { try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "") }
        #expect(error?.code == .invalidArgument)
    }

    @Test("an RSA key under 2048 bits is refused")
    func smallRSA() throws {
        let small = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024))
        let error = #expect(throws: SPIFFEError.self) { try JWTSigningKey(small, keyID: "a") }
        #expect(error?.code == .unsupportedKeyType)
    }

    @Test("a swift-certificates private key works for EC and RSA, and Ed25519 is refused")
    func certificatePrivateKey() throws {
        let p384 = try JWTSigningKey(Certificate.PrivateKey(P384.Signing.PrivateKey()), keyID: "a")
        #expect(p384.algorithm == .es384)
        let rsa = try JWTSigningKey(Certificate.PrivateKey(Keys.rsa2048A), keyID: "r", algorithm: .ps256)
        #expect(rsa.publicKey == Certificate.PublicKey(Keys.rsa2048A.publicKey))
        let svid = try JWTSVID.sign(subject: Keys.workload, audience: ["a"], expiresAt: Keys.now + 60, key: rsa)
        _ = try JWTSVID.parseAndValidate(token: svid.token, bundles: Keys.bundle(Keys.exampleOrg, rsa), audience: ["a"], now: Keys.now)

        let error = #expect(throws: SPIFFEError.self) {
            try JWTSigningKey(Certificate.PrivateKey(Curve25519.Signing.PrivateKey()), keyID: "a")
        }
        #expect(error?.code == .unsupportedKeyType)
        let mismatch = #expect(throws: SPIFFEError.self) {
            try JWTSigningKey(Certificate.PrivateKey(P256.Signing.PrivateKey()), keyID: "a", algorithm: .rs256)
        }
        #expect(mismatch?.code == .keyAlgorithmMismatch)
    }

    @Test("algorithms parse by their exact alg name only")
    func algorithmNames() {
        #expect(JWTAlgorithm.allowed.map(\.name) == ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"])
        #expect(JWTAlgorithm(name: "ES256") == .es256)
        #expect(JWTAlgorithm(name: "es256") == nil)
        #expect(JWTAlgorithm(name: "none") == nil)
        #expect(JWTAlgorithm(name: "HS256") == nil)
        #expect(JWTAlgorithm(name: "EdDSA") == nil)
    }
}
