import Crypto
import Foundation
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

/// Tokens an attacker or a broken issuer could present; each must fail with its own error code (SPEC §3.3).
@Suite("JWTSVID validation rejects hostile and broken tokens")
struct JWTSVIDAttackTests {
    typealias Keys = JWTTestKeys

    static let key = Keys.p256Key("good-kid")
    static let bundle = Keys.bundle(Keys.exampleOrg, key)
    static let audience = ["spiffe://example.org/api"]

    func validate(
        _ token: String,
        bundles: some JWTBundleSource = Self.bundle,
        audience: [String] = Self.audience,
        leeway: Duration = .seconds(60)
    ) throws(SPIFFEError) -> JWTSVID {
        try JWTSVID.parseAndValidate(token: token, bundles: bundles, audience: audience, now: Keys.now, leeway: leeway)
    }

    func code(of token: String, bundles: some JWTBundleSource = Self.bundle, audience: [String] = Self.audience) -> SPIFFEError.Code? {
        let error = #expect(throws: SPIFFEError.self) { try validate(token, bundles: bundles, audience: audience) }
        return error?.code
    }

    func signed(header: String = Keys.header(for: Self.key), claims: String = Keys.claims()) -> String {
        Keys.forge(header: header, claims: claims, signedWith: Self.key)
    }

    @Test("the baseline token is valid")
    func baseline() throws {
        _ = try validate(signed())
    }

    @Test("alg none with an empty signature is rejected before anything else")
    func algNone() {
        let token = Keys.forge(header: #"{"alg":"none","typ":"JWT"}"#, claims: Keys.claims(), signature: [])
        #expect(code(of: token) == .unsupportedAlgorithm)
    }

    @Test("HS256 signed with the authority's public key bytes as the HMAC secret is rejected")
    func hmacKeyConfusion() {
        let header = #"{"alg":"HS256","kid":"good-kid","typ":"JWT"}"#
        let input = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(Keys.claims().utf8))
        let secret = SymmetricKey(data: Array(Self.key.publicKey.subjectPublicKeyInfoBytes))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: secret)
        let token = input + "." + Base64URL.encode(Array(mac))
        #expect(code(of: token) == .unsupportedAlgorithm)
    }

    @Test("algorithms outside the JWT-SVID list are rejected", arguments: [
        #""none""#, #""HS256""#, #""HS384""#, #""HS512""#, #""EdDSA""#, #""es256""#, #""RS1""#, #""""#, "256", "null",
    ])
    func disallowedAlgorithms(alg: String) {
        // The header also carries a forbidden member: the alg check must come first.
        let token = signed(header: #"{"alg":\#(alg),"kid":"good-kid","jku":"https://evil.example/jwks"}"#)
        #expect(code(of: token) == .unsupportedAlgorithm)
    }

    @Test("header members other than alg, kid and typ are rejected", arguments: ["jku", "x5u", "crit", "jwk", "x5c", "cty", "b64"])
    func extraHeaderMembers(member: String) {
        let token = signed(header: #"{"alg":"ES256","kid":"good-kid","typ":"JWT","\#(member)":["x"]}"#)
        #expect(code(of: token) == .unexpectedHeader)
    }

    @Test("typ other than JWT or JOSE is rejected", arguments: [#""JWS""#, #""jwt""#, #""at+jwt""#, "1"])
    func badTokenType(typ: String) {
        #expect(code(of: signed(header: #"{"alg":"ES256","kid":"good-kid","typ":\#(typ)}"#)) == .invalidTokenType)
    }

    @Test("a header without kid, or with an empty kid, is rejected", arguments: [
        #"{"alg":"ES256","typ":"JWT"}"#, #"{"alg":"ES256","kid":"","typ":"JWT"}"#, #"{"alg":"ES256","kid":7}"#,
    ])
    func missingKeyID(header: String) {
        #expect(code(of: signed(header: header)) == .missingKeyID)
    }

    @Test("a kid absent from the subject's bundle is rejected")
    func unknownKeyID() {
        let stranger = Keys.p256Key("stranger")
        let token = Keys.forge(header: Keys.header(for: stranger), claims: Keys.claims(), signedWith: stranger)
        #expect(code(of: token) == .unknownKeyID)
        #expect(code(of: token, bundles: JWTBundleSet([Self.bundle])) == .unknownKeyID)
    }

    @Test("a kid of another trust domain cannot vouch for a subject of this one")
    func keyIDOfOtherTrustDomain() {
        let otherKey = Keys.p256Key("other-kid")
        let token = Keys.forge(header: Keys.header(for: otherKey), claims: Keys.claims(), signedWith: otherKey)
        let jwtSet = JWTBundleSet([Self.bundle, Keys.bundle(Keys.otherOrg, otherKey)])
        #expect(code(of: token, bundles: jwtSet) == .keyIDOfOtherTrustDomain)
        let spiffeSet = SPIFFEBundleSet([
            SPIFFEBundle(trustDomain: Keys.exampleOrg, jwtAuthorities: Self.bundle.jwtAuthorities),
            SPIFFEBundle(trustDomain: Keys.otherOrg, jwtAuthorities: [otherKey.keyID: otherKey.publicKey]),
        ])
        #expect(code(of: token, bundles: spiffeSet) == .keyIDOfOtherTrustDomain)
    }

    @Test("a subject whose trust domain has no bundle is rejected")
    func noBundle() {
        let token = signed(claims: Keys.claims(sub: #""spiffe://other.org/workload""#))
        #expect(code(of: token) == .noBundleForTrustDomain)
    }

    @Test("an ES256 header whose kid names a P-384 key is rejected", arguments: [
        (#"{"alg":"ES256","kid":"p384"}"#, 64), (#"{"alg":"RS256","kid":"p384"}"#, 256), (#"{"alg":"ES384","kid":"good-kid"}"#, 96),
    ])
    func keyAlgorithmMismatch(header: String, signatureLength: Int) {
        let p384 = try! JWTSigningKey(P384.Signing.PrivateKey(), keyID: "p384")
        let bundles = Keys.bundle(Keys.exampleOrg, Self.key, p384)
        let token = Keys.forge(header: header, claims: Keys.claims(), signature: Array(repeating: 1, count: signatureLength))
        #expect(code(of: token, bundles: bundles) == .keyAlgorithmMismatch)
    }

    @Test("a tampered payload or signature is rejected")
    func tampered() throws {
        let token = signed()
        let parts = token.split(separator: ".").map(String.init)
        let forgedClaims = Keys.claims(sub: #""spiffe://example.org/admin""#)
        let swappedPayload = parts[0] + "." + Base64URL.encode(Array(forgedClaims.utf8)) + "." + parts[2]
        #expect(code(of: swappedPayload) == .invalidSignature)

        var signature = try #require(Base64URL.decode(parts[2]))
        signature[10] ^= 0x01
        #expect(code(of: parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)) == .invalidSignature)
        #expect(code(of: parts[0] + "." + parts[1] + "." + Base64URL.encode(signature.dropLast())) == .invalidSignature)
        #expect(code(of: parts[0] + "." + parts[1] + ".") == .invalidSignature)
    }

    @Test("a signature in ASN.1 DER form instead of raw R‖S is rejected")
    func derSignature() throws {
        let privateKey = P256.Signing.PrivateKey()
        let key = try JWTSigningKey(privateKey, keyID: "der")
        let input = Base64URL.encode(Array(Keys.header(for: key).utf8)) + "." + Base64URL.encode(Array(Keys.claims().utf8))
        let der = try privateKey.signature(for: Array(input.utf8)).derRepresentation
        #expect(code(of: input + "." + Base64URL.encode(der), bundles: Keys.bundle(Keys.exampleOrg, key)) == .invalidSignature)
    }

    @Test("an expired token is rejected beyond the leeway and accepted within it", arguments: [
        (-61, true), (-59, false), (0, false),
    ])
    func expiry(offset: Int, rejected: Bool) throws {
        let token = signed(claims: Keys.claims(exp: String(1_767_225_600 + offset), iat: "1767225000"))
        if rejected {
            #expect(code(of: token) == .tokenExpired)
        } else {
            _ = try validate(token)
        }
    }

    @Test("a token with nbf in the future beyond the leeway is rejected")
    func notYetValid() throws {
        #expect(code(of: signed(claims: Keys.claims(nbf: "1767225720"))) == .tokenNotYetValid)
        _ = try validate(signed(claims: Keys.claims(nbf: "1767225650")))
    }

    @Test("a token issued in the future beyond the leeway is rejected")
    func issuedInFuture() throws {
        #expect(code(of: signed(claims: Keys.claims(iat: "1767225720"))) == .tokenIssuedInFuture)
        _ = try validate(signed(claims: Keys.claims(iat: "1767225650")))
    }

    @Test("a token without exp is rejected")
    func missingExpiry() {
        #expect(code(of: signed(claims: Keys.claims(exp: nil))) == .missingExpiry)
        #expect(code(of: signed(claims: Keys.claims(exp: "null"))) == .missingExpiry)
    }

    @Test("a token for another audience is rejected")
    func wrongAudience() {
        #expect(code(of: signed(claims: Keys.claims(aud: #"["spiffe://example.org/other"]"#))) == .audienceMismatch)
        #expect(code(of: signed(claims: Keys.claims(aud: #""spiffe://example.org/other""#))) == .audienceMismatch)
    }

    @Test("a token missing one of two expected audiences is rejected (py-spiffe's subset rule)")
    func partialAudience() throws {
        let token = signed(claims: Keys.claims(aud: #"["a"]"#))
        #expect(code(of: token, audience: ["a", "b"]) == .audienceMismatch)
        _ = try validate(signed(claims: Keys.claims(aud: #"["b","c","a"]"#)), audience: ["a", "b"])
    }

    @Test("a token without aud or with an empty aud is rejected", arguments: [nil, "[]", #""""#, #"[""]"#, "null"])
    func missingAudience(aud: String?) {
        #expect(code(of: signed(claims: Keys.claims(aud: aud))) == .missingAudience)
    }

    @Test("a sub that is not a SPIFFE ID is rejected", arguments: [
        #""https://example.org/web""#, #""""#, "42", #""spiffe://Example.org/web""#, #""spiffe://example.org/a//b""#,
    ])
    func subjectNotSPIFFEID(sub: String) {
        #expect(code(of: signed(claims: Keys.claims(sub: sub))) == .invalidSubject)
    }

    @Test("a token without sub is rejected")
    func missingSubject() {
        #expect(code(of: signed(claims: #"{"aud":["spiffe://example.org/api"],"exp":1767226200}"#)) == .invalidSubject)
    }

    @Test("a sub without a path is rejected")
    func subjectWithoutPath() {
        #expect(code(of: signed(claims: Keys.claims(sub: #""spiffe://example.org""#))) == .invalidSubject)
    }

    @Test("a leeway below zero or above five minutes is refused", arguments: [Duration.seconds(-1), .seconds(301), .seconds(3600)])
    func leewayBounds(leeway: Duration) throws {
        let error = #expect(throws: SPIFFEError.self) { try validate(signed(), leeway: leeway) }
        #expect(error?.code == .invalidArgument)
    }

    @Test("leeways of zero and five minutes are accepted")
    func leewayLimits() throws {
        _ = try validate(signed(), leeway: .zero)
        _ = try validate(signed(), leeway: JWTSVID.maximumLeeway)
    }

    @Test("an empty expected audience is refused", arguments: [[String](), [""], ["a", ""]])
    func emptyExpectedAudience(audience: [String]) {
        #expect(code(of: signed(), audience: audience) == .invalidArgument)
    }

    @Test("tokens that are not compact JWS with JSON parts are malformed", arguments: [
        "", "a.b", "a.b.c.d", "eyJhbGciOiJFUzI1NiJ9", "!!!.e30.AA", "e30=.e30.AA",
    ])
    func malformedStructure(token: String) {
        #expect(code(of: token) == .malformedJWT)
    }

    @Test("a header or claims that are not JSON objects, or claims of the wrong type, are malformed", arguments: [
        ("[1]", Keys.claims()),
        ("not json", Keys.claims()),
        (#"{"kid":"good-kid"}"#, Keys.claims()),
        (#"{"alg":"ES256","kid":"good-kid"}"#, "[]"),
        (#"{"alg":"ES256","kid":"good-kid"}"#, Keys.claims(exp: #""tomorrow""#)),
        (#"{"alg":"ES256","kid":"good-kid"}"#, Keys.claims(aud: "[1]")),
        (#"{"alg":"ES256","kid":"good-kid"}"#, Keys.claims(aud: "{}")),
        (#"{"alg":"ES256","kid":"good-kid"}"#, Keys.claims(iat: "true")),
    ])
    func malformedJSON(header: String, claims: String) {
        #expect(code(of: signed(header: header, claims: claims)) == .malformedJWT)
    }

    @Test("a non-base64url payload or signature is malformed")
    func malformedParts() {
        let parts = signed().split(separator: ".").map(String.init)
        #expect(code(of: parts[0] + ".e30=." + parts[2]) == .malformedJWT)
        #expect(code(of: parts[0] + "." + parts[1] + ".a+b") == .malformedJWT)
        #expect(code(of: parts[0] + ".." + parts[2]) == .malformedJWT)
    }
}
