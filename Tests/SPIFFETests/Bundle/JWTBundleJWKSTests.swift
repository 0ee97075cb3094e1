import Crypto
import Foundation
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

@Suite("JWTBundle JWKS and bundle sets")
struct JWTBundleJWKSTests {
    typealias Keys = JWTTestKeys

    @Test("an empty JWT bundle is {\"keys\":[]}")
    func empty() throws {
        let bundle = JWTBundle(trustDomain: Keys.exampleOrg)
        #expect(Keys.text(bundle.jwksJSON) == #"{"keys":[]}"#)
        #expect(try JWTBundle(trustDomain: Keys.exampleOrg, jwksJSON: bundle.jwksJSON) == bundle)
    }

    @Test("the Workload API JWKS has every kid, no use and no spiffe members, and round-trips")
    func plainJWKS() throws {
        let bundle = JWTBundle(
            trustDomain: Keys.exampleOrg,
            jwtAuthorities: [
                "b": Certificate.PublicKey(P256.Signing.PrivateKey().publicKey),
                "a": Certificate.PublicKey(Keys.rsa2048A.publicKey),
            ]
        )
        let document = Keys.object(bundle.jwksJSON)
        #expect(Array(document.keys) == ["keys"])
        guard case .array(let keys)? = document["keys"] else { Issue.record("no keys"); return }
        #expect(keys.count == 2)
        for case .object(let jwk) in keys {
            #expect(jwk["use"] == nil)
            #expect(jwk["kid"] != nil)
            #expect(jwk["kty"] != nil)
        }
        guard case .object(let first)? = keys.first else { return }
        #expect(first["kid"] == .string("a"))
        #expect(Set(first.keys) == ["kty", "kid", "n", "e"])
        #expect(try JWTBundle(trustDomain: Keys.exampleOrg, jwksJSON: bundle.jwksJSON) == bundle)
    }

    @Test("parsing keeps keys without use or with jwt-svid, and ignores other uses, keyless kids and unknown types")
    func consumerRules() throws {
        let p256 = JWK(publicKey: Certificate.PublicKey(P256.Signing.PrivateKey().publicKey))
        func ec(_ extra: String) -> String { #"{"kty":"EC","crv":"P-256","x":"\#(p256.x!)","y":"\#(p256.y!)"\#(extra)}"# }
        let json = #"{"keys":[\#(ec(#","kid":"plain""#)),\#(ec(#","kid":"jwt","use":"jwt-svid""#)),\#(ec(#","kid":"x509","use":"x509-svid""#)),\#(ec("")),\#(ec(#","kid":"""#)),{"kty":"OKP","crv":"X448","x":"AA","kid":"okp"}],"spiffe_sequence":3}"#
        let bundle = try JWTBundle(trustDomain: Keys.exampleOrg, jwksJSON: Array(json.utf8))
        #expect(bundle.jwtAuthorities.keys.sorted() == ["jwt", "plain"])
    }

    @Test("parsing refuses a missing keys member, a duplicate kid and short EC coordinates")
    func parseErrors() {
        let p256 = JWK(publicKey: Certificate.PublicKey(P256.Signing.PrivateKey().publicKey))
        let key = #"{"kty":"EC","kid":"k","crv":"P-256","x":"\#(p256.x!)","y":"\#(p256.y!)"}"#
        let cases: [(String, SPIFFEError.Code)] = [
            (#"{"spiffe_sequence":1}"#, .malformedBundle),
            (#"{"keys":[\#(key),\#(key)]}"#, .duplicateKeyID),
            (#"{"keys":[\#(key.replacingOccurrences(of: p256.y!, with: String(p256.y!.dropLast(4))))]}"#, .malformedBundle),
        ]
        for (json, code) in cases {
            let error = #expect(throws: SPIFFEError.self) { try JWTBundle(trustDomain: Keys.exampleOrg, jwksJSON: Array(json.utf8)) }
            #expect(error?.code == code)
        }
    }

    @Test("a SPIFFE bundle splits into and combines from its X.509 and JWT bundles")
    func conversions() throws {
        let ca = Keys.caCertificate(Certificate.PrivateKey(P256.Signing.PrivateKey()))
        let key = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        let bundle = SPIFFEBundle(trustDomain: Keys.exampleOrg, x509Authorities: [ca], jwtAuthorities: ["k": key], sequenceNumber: 2)
        #expect(bundle.x509Bundle == X509Bundle(trustDomain: Keys.exampleOrg, x509Authorities: [ca]))
        #expect(bundle.jwtBundle == JWTBundle(trustDomain: Keys.exampleOrg, jwtAuthorities: ["k": key]))
        #expect(bundle.x509Bundle(for: Keys.exampleOrg) == bundle.x509Bundle)
        #expect(bundle.jwtBundle(for: Keys.otherOrg) == nil)
        let combined = try SPIFFEBundle(x509Bundle: bundle.x509Bundle, jwtBundle: bundle.jwtBundle)
        #expect(combined.x509Authorities == [ca] && combined.jwtAuthorities == ["k": key] && combined.sequenceNumber == nil)

        let error = #expect(throws: SPIFFEError.self) {
            try SPIFFEBundle(x509Bundle: bundle.x509Bundle, jwtBundle: JWTBundle(trustDomain: Keys.otherOrg))
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("bundle sets answer per trust domain and never merge them")
    func sets() {
        let a = SPIFFEBundle(trustDomain: Keys.exampleOrg, jwtAuthorities: ["k": Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)])
        let b = SPIFFEBundle(trustDomain: Keys.otherOrg)
        var spiffeSet = SPIFFEBundleSet([b, a])
        #expect(spiffeSet.count == 2)
        #expect(spiffeSet.all.map(\.trustDomain) == [Keys.exampleOrg, Keys.otherOrg])
        #expect(spiffeSet.bundle(for: Keys.exampleOrg) == a)
        #expect(spiffeSet.jwtBundle(for: Keys.exampleOrg) == a.jwtBundle)
        #expect(spiffeSet.x509Bundle(for: Keys.otherOrg) == b.x509Bundle)
        #expect(spiffeSet.trustDomains(holdingKeyID: "k") == [Keys.exampleOrg])
        spiffeSet.remove(Keys.exampleOrg)
        #expect(spiffeSet.jwtBundle(for: Keys.exampleOrg) == nil)
        spiffeSet.set(a)
        #expect(spiffeSet.count == 2)

        var jwtSet = JWTBundleSet([a.jwtBundle])
        jwtSet.set(b.jwtBundle)
        #expect(jwtSet.all.map(\.trustDomain) == [Keys.exampleOrg, Keys.otherOrg])
        #expect(jwtSet.trustDomains(holdingKeyID: "k") == [Keys.exampleOrg])
        #expect(jwtSet.trustDomains(holdingKeyID: "missing").isEmpty)
        jwtSet.remove(Keys.otherOrg)
        #expect(jwtSet.count == 1 && jwtSet.jwtBundle(for: Keys.otherOrg) == nil)
    }
}
