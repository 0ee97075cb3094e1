import Crypto
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

@Suite("JWK")
struct JWKTests {
    @Test("keys of every supported type round-trip through their JWK")
    func roundTrip() throws {
        let keys = [
            Certificate.PublicKey(P256.Signing.PrivateKey().publicKey),
            Certificate.PublicKey(P384.Signing.PrivateKey().publicKey),
            Certificate.PublicKey(P521.Signing.PrivateKey().publicKey),
            Certificate.PublicKey(JWTTestKeys.rsa2048A.publicKey),
            Certificate.PublicKey(Curve25519.Signing.PrivateKey().publicKey),
        ]
        for key in keys {
            let jwk = JWK(publicKey: key)
            #expect(try jwk.publicKey(label: "key") == key)
            #expect(jwk.use == nil && jwk.kid == nil && jwk.x5c == nil)
        }
    }

    @Test("EC coordinates are written at full curve length, left-padded with zeros (RFC 7518 §6.2.1.2)")
    func ecLeftPadding() throws {
        // About one P-256 key in 256 has an x coordinate starting with a zero byte.
        var found = false
        for _ in 0..<4096 {
            let key = P256.Signing.PrivateKey().publicKey
            guard key.rawRepresentation.first == 0 else { continue }
            let jwk = JWK(publicKey: Certificate.PublicKey(key))
            let xText = try #require(jwk.x)
            let x = try #require(Base64URL.decode(xText))
            #expect(x.count == 32)
            #expect(x.first == 0)
            #expect(x == Array(key.rawRepresentation.prefix(32)))
            found = true
            break
        }
        #expect(found)
        for curve in [(Certificate.PublicKey(P384.Signing.PrivateKey().publicKey), 48), (Certificate.PublicKey(P521.Signing.PrivateKey().publicKey), 66)] {
            let jwk = JWK(publicKey: curve.0)
            #expect(Base64URL.decode(jwk.x!)?.count == curve.1)
            #expect(Base64URL.decode(jwk.y!)?.count == curve.1)
        }
    }

    @Test("RSA n and e are minimal base64urlUInt values with no leading zero byte")
    func rsaMinimal() throws {
        let jwk = JWK(publicKey: Certificate.PublicKey(JWTTestKeys.rsa2048A.publicKey))
        #expect(jwk.kty == "RSA")
        #expect(jwk.e == "AQAB")
        let nText = try #require(jwk.n)
        let n = try #require(Base64URL.decode(nText))
        #expect(n.count == 256)
        #expect(n.first != 0)
    }

    @Test("RSA n with a leading zero byte is accepted and means the same key")
    func rsaLeadingZeroAccepted() throws {
        var jwk = JWK(publicKey: Certificate.PublicKey(JWTTestKeys.rsa2048A.publicKey))
        jwk.n = Base64URL.encode([0] + Base64URL.decode(jwk.n!)!)
        #expect(try jwk.publicKey(label: "key") == Certificate.PublicKey(JWTTestKeys.rsa2048A.publicKey))
    }

    @Test("key types and curves that are not understood, and small RSA moduli, are ignored", arguments: [
        JWK(kty: "oct"), JWK(kty: nil), JWK(kty: "ec"), JWK(kty: "EC", crv: "P-256K", x: "AA", y: "AA"),
        JWK(kty: "OKP", crv: "X25519", x: "AA"), JWK(kty: "RSA", n: Base64URL.encode([0xC1] + [UInt8](repeating: 7, count: 127)), e: "AQAB"),
    ])
    func ignored(jwk: JWK) throws {
        #expect(try jwk.publicKey(label: "key") == nil)
    }

    @Test("broken parameters of an understood key type are malformed", arguments: [
        JWK(kty: "EC", crv: "P-256", y: "AA"),
        JWK(kty: "EC", crv: "P-256", x: String(repeating: "A", count: 42) + "=", y: String(repeating: "A", count: 43)),
        JWK(kty: "EC", crv: "P-256", x: String(repeating: "A", count: 43), y: String(repeating: "A", count: 43)),
        JWK(kty: "RSA", e: "AQAB"),
        JWK(kty: "OKP", crv: "Ed25519", x: "AAAA"),
    ])
    func malformed(jwk: JWK) {
        let error = #expect(throws: SPIFFEError.self) { try jwk.publicKey(label: "key") }
        #expect(error?.code == .malformedBundle)
    }

    @Test("EC coordinates shorter than the curve are rejected, not padded")
    func shortCoordinates() {
        var jwk = JWK(publicKey: Certificate.PublicKey(P256.Signing.PrivateKey().publicKey))
        jwk.x = Base64URL.encode(Base64URL.decode(jwk.x!)!.dropFirst())
        let error = #expect(throws: SPIFFEError.self) { try jwk.publicKey(label: "key") }
        #expect(error?.code == .malformedBundle)
    }
}
