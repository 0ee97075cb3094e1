import Crypto
import Foundation
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

@Suite("SPIFFEBundle JSON")
struct SPIFFEBundleTests {
    typealias Keys = JWTTestKeys

    static let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    static let ca = Keys.caCertificate(caKey)
    static let ecJWK = #"{"use":"jwt-svid","kty":"EC","kid":"k1","crv":"P-256","x":"L29fIMAc6G_IqhVvFm_t0gMZDjiIf3d7k4uQouRa-cQ","y":"LxZhfFJBgdQWCr5W1VsUQ0f7bYI5upXX5vDve6bfOfo"}"#

    /// The `x509-svid` JWK of ``ca`` with `x5c` replaced.
    static func caJWK(x5c: String?, use: String? = "x509-svid", kty: String = "EC") -> String {
        let jwk = JWK(publicKey: ca.publicKey)
        var members = ["\"kty\":\"\(kty)\"", "\"crv\":\"\(jwk.crv!)\"", "\"x\":\"\(jwk.x!)\"", "\"y\":\"\(jwk.y!)\""]
        if let use { members.append("\"use\":\"\(use)\"") }
        if let x5c { members.append("\"x5c\":\(x5c)") }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func parse(_ keys: [String], extra: String = "") throws(SPIFFEError) -> SPIFFEBundle {
        try SPIFFEBundle(trustDomain: Keys.exampleOrg, json: Array(#"{"keys":[\#(keys.joined(separator: ","))]\#(extra)}"#.utf8))
    }

    @Test("a bundle with EC and RSA authorities, a sequence and a refresh hint round-trips")
    func roundTrip() throws {
        let rsaCA = Keys.caCertificate(Certificate.PrivateKey(Keys.rsa2048B))
        let bundle = SPIFFEBundle(
            trustDomain: Keys.exampleOrg,
            x509Authorities: [Self.ca, rsaCA],
            jwtAuthorities: [
                "a": Certificate.PublicKey(P256.Signing.PrivateKey().publicKey),
                "b": Certificate.PublicKey(P384.Signing.PrivateKey().publicKey),
                "c": Certificate.PublicKey(Keys.rsa2048A.publicKey),
            ],
            sequenceNumber: 7,
            refreshHint: .seconds(300)
        )
        let json = bundle.jsonRepresentation
        #expect(try SPIFFEBundle(trustDomain: Keys.exampleOrg, json: json) == bundle)

        let document = Keys.object(json)
        #expect(document["spiffe_sequence"] == .integer(7))
        #expect(document["spiffe_refresh_hint"] == .integer(300))
        guard case .array(let keys)? = document["keys"] else { Issue.record("no keys array"); return }
        #expect(keys.count == 5)
        for case .object(let jwk) in keys {
            switch jwk["use"] {
            case .string("x509-svid")?:
                #expect(jwk["kid"] == nil)
                guard case .array(let chain)? = jwk["x5c"] else { Issue.record("x509-svid key without x5c"); continue }
                #expect(chain.count == 1)
            case .string("jwt-svid")?:
                #expect(jwk["kid"]?.string?.isEmpty == false)
                #expect(jwk["x5c"] == nil)
            default:
                Issue.record("key with use \(String(describing: jwk["use"]))")
            }
        }
        #expect(!Keys.text(json).contains(#"\/"#))
    }

    @Test("an empty bundle without sequence or hint is {\"keys\":[]}")
    func emptyBundle() throws {
        let bundle = SPIFFEBundle(trustDomain: Keys.exampleOrg)
        #expect(Keys.text(bundle.jsonRepresentation) == #"{"keys":[]}"#)
        #expect(try Self.parse([]) == bundle)
    }

    @Test("a refresh hint is written as whole seconds, rounding fractions up and negatives to zero", arguments: [
        (Duration.milliseconds(1500), Int64(2)), (.seconds(60), 60), (.milliseconds(1), 1), (.seconds(-5), 0),
    ])
    func refreshHintSeconds(hint: Duration, seconds: Int64) {
        let bundle = SPIFFEBundle(trustDomain: Keys.exampleOrg, refreshHint: hint)
        #expect(Keys.object(bundle.jsonRepresentation)["spiffe_refresh_hint"] == .integer(seconds))
    }

    // MARK: Consumer rules (SPEC §4.2)

    @Test("keys must be present", arguments: [#"{}"#, #"{"keys":null}"#, #"{"spiffe_sequence":1}"#])
    func keysMissing(json: String) {
        let error = #expect(throws: SPIFFEError.self) { try SPIFFEBundle(trustDomain: Keys.exampleOrg, json: Array(json.utf8)) }
        #expect(error?.code == .malformedBundle)
    }

    @Test("a document that is not a JWK Set object is malformed", arguments: [
        "", "[]", "not json", #"{"keys":{}}"#, #"{"keys":[1]}"#, #"{"keys":[],"spiffe_sequence":-1}"#,
        #"{"keys":[],"spiffe_refresh_hint":-1}"#, #"{"keys":[],"spiffe_sequence":"1"}"#, #"{"keys":[{"kty":"EC","x5c":"abc"}]}"#,
    ])
    func notAJWKSet(json: String) {
        let error = #expect(throws: SPIFFEError.self) { try SPIFFEBundle(trustDomain: Keys.exampleOrg, json: Array(json.utf8)) }
        #expect(error?.code == .malformedBundle)
    }

    @Test("unknown top-level members are accepted")
    func unknownTopLevelMembers() throws {
        let bundle = try Self.parse([Self.ecJWK], extra: #","trust_domain":"example.org","future":{"a":[1,2]}"#)
        #expect(bundle.jwtAuthorities.keys.sorted() == ["k1"])
    }

    @Test("a JWK with an unknown kty is ignored")
    func unknownKeyType() throws {
        let bundle = try Self.parse([#"{"use":"jwt-svid","kty":"oct","kid":"s","k":"c2VjcmV0"}"#, Self.ecJWK, Self.caJWK(x5c: "[\"\(Keys.x5c(Self.ca))\"]", kty: "XX")])
        #expect(bundle.jwtAuthorities.keys.sorted() == ["k1"])
        #expect(bundle.x509Authorities.isEmpty)
        // An ignored JWK's other members are not looked at, even a broken x5c.
        #expect(try Self.parse([Self.caJWK(x5c: "[\"%%%\"]", kty: "XX")]).x509Authorities.isEmpty)
    }

    @Test("a JWK with an unknown curve is ignored")
    func unknownCurve() throws {
        let bundle = try Self.parse([#"{"use":"jwt-svid","kty":"EC","kid":"k","crv":"P-192","x":"AA","y":"AA"}"#])
        #expect(bundle.jwtAuthorities.isEmpty)
    }

    @Test("a JWK without use is ignored")
    func missingUse() throws {
        let bundle = try Self.parse([
            Self.ecJWK.replacingOccurrences(of: #""use":"jwt-svid","#, with: ""),
            Self.caJWK(x5c: "[\"\(Keys.x5c(Self.ca))\"]", use: nil),
        ])
        #expect(bundle.jwtAuthorities.isEmpty)
        #expect(bundle.x509Authorities.isEmpty)
    }

    @Test("a JWK with an unknown use is ignored", arguments: ["wit-svid", "sig", "enc", "JWT-SVID"])
    func unknownUse(use: String) throws {
        let bundle = try Self.parse([Self.ecJWK.replacingOccurrences(of: "jwt-svid", with: use), Self.caJWK(x5c: "[\"\(Keys.x5c(Self.ca))\"]", use: use)])
        #expect(bundle.jwtAuthorities.isEmpty)
        #expect(bundle.x509Authorities.isEmpty)
    }

    @Test("an x509-svid JWK without x5c, or with an empty x5c, is ignored", arguments: [nil, "[]"])
    func x509WithoutChain(x5c: String?) throws {
        let bundle = try Self.parse([Self.caJWK(x5c: x5c), Self.ecJWK])
        #expect(bundle.x509Authorities.isEmpty)
        #expect(bundle.jwtAuthorities.count == 1)
    }

    @Test("x5c entries after the first are ignored")
    func extraChainEntries() throws {
        let other = Keys.caCertificate(Certificate.PrivateKey(P256.Signing.PrivateKey()))
        let bundle = try Self.parse([Self.caJWK(x5c: "[\"\(Keys.x5c(Self.ca))\",\"\(Keys.x5c(other))\",\"not even base64!\"]")])
        #expect(bundle.x509Authorities == [Self.ca])
    }

    @Test("an x509-svid JWK whose key parameters differ from its certificate's key is not trusted")
    func chainKeyMismatch() throws {
        let other = Keys.caCertificate(Certificate.PrivateKey(P256.Signing.PrivateKey()))
        let bundle = try Self.parse([Self.caJWK(x5c: "[\"\(Keys.x5c(other))\"]")])
        #expect(bundle.x509Authorities.isEmpty)
    }

    @Test("an x5c entry that is not base64 DER of a certificate makes the bundle malformed", arguments: ["[\"%%%\"]", "[\"AAAA\"]"])
    func badChainEntry(x5c: String) {
        let error = #expect(throws: SPIFFEError.self) { try Self.parse([Self.caJWK(x5c: x5c)]) }
        #expect(error?.code == .malformedBundle)
    }

    @Test("a jwt-svid JWK without kid is ignored", arguments: [#""kid":"k1","#, #""kid":"","#])
    func jwtWithoutKeyID(member: String) throws {
        let bundle = try Self.parse([Self.ecJWK.replacingOccurrences(of: #""kid":"k1","#, with: member == #""kid":"k1","# ? "" : member)])
        #expect(bundle.jwtAuthorities.isEmpty)
    }

    @Test("two jwt-svid JWKs with the same kid fail the bundle")
    func duplicateKeyID() {
        let rsa = JWK(publicKey: Certificate.PublicKey(Keys.rsa2048A.publicKey))
        let second = #"{"use":"jwt-svid","kty":"RSA","kid":"k1","n":"\#(rsa.n!)","e":"\#(rsa.e!)"}"#
        let error = #expect(throws: SPIFFEError.self) { try Self.parse([Self.ecJWK, second]) }
        #expect(error?.code == .duplicateKeyID)
    }

    @Test("EC coordinates shorter than the curve fail the bundle rather than being padded or skipped")
    func shortCoordinates() {
        let short = Self.ecJWK.replacingOccurrences(of: "L29fIMAc6G_IqhVvFm_t0gMZDjiIf3d7k4uQouRa-cQ", with: "L29fIMAc6G_IqhVvFm_t0gMZDjiIf3d7k4uQouRa")
        let error = #expect(throws: SPIFFEError.self) { try Self.parse([short]) }
        #expect(error?.code == .malformedBundle)
    }

    @Test("an empty keys array is a valid bundle with no authorities, so nothing from the trust domain validates")
    func emptyKeys() throws {
        let bundle = try Self.parse([])
        #expect(bundle.x509Authorities.isEmpty && bundle.jwtAuthorities.isEmpty)
        let key = Keys.p256Key()
        let token = try JWTSVID.sign(subject: Keys.workload, audience: ["a"], expiresAt: Keys.now + 60, key: key).token
        let error = #expect(throws: SPIFFEError.self) { try JWTSVID.parseAndValidate(token: token, bundles: bundle, audience: ["a"], now: Keys.now) }
        #expect(error?.code == .unknownKeyID)
    }

    @Test("an authority listed twice is kept once")
    func duplicateAuthority() throws {
        let entry = Self.caJWK(x5c: "[\"\(Keys.x5c(Self.ca))\"]")
        #expect(try Self.parse([entry, entry]).x509Authorities == [Self.ca])
    }
}
