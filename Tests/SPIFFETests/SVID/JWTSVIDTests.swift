import Crypto
import Foundation
@testable import SPIFFE
import Testing
import X509
import _CryptoExtras

@Suite("JWTSVID signing and validation")
struct JWTSVIDTests {
    typealias Keys = JWTTestKeys

    static func key(for algorithm: JWTAlgorithm) -> JWTSigningKey {
        let kid = "kid-" + algorithm.name
        switch algorithm {
        case .es256: return try! JWTSigningKey(P256.Signing.PrivateKey(), keyID: kid)
        case .es384: return try! JWTSigningKey(P384.Signing.PrivateKey(), keyID: kid)
        case .es512: return try! JWTSigningKey(P521.Signing.PrivateKey(), keyID: kid)
        default: return try! JWTSigningKey(Keys.rsa2048A, keyID: kid, algorithm: algorithm)
        }
    }

    @Test("a signed token validates and round-trips its claims, for every JWT-SVID algorithm", arguments: JWTAlgorithm.allowed)
    func signThenValidate(algorithm: JWTAlgorithm) throws {
        let key = Self.key(for: algorithm)
        let signed = try JWTSVID.sign(
            subject: Keys.workload,
            audience: ["spiffe://example.org/api"],
            expiresAt: Keys.now + 300,
            issuedAt: Keys.now,
            key: key
        )
        let validated = try JWTSVID.parseAndValidate(
            token: signed.token,
            bundles: Keys.bundle(Keys.exampleOrg, key),
            audience: ["spiffe://example.org/api"],
            now: Keys.now
        )
        #expect(validated == signed)
        #expect(validated.subject == Keys.workload)
        #expect(validated.audience == ["spiffe://example.org/api"])
        #expect(validated.expiresAt == Keys.now + 300)
        #expect(validated.issuedAt == Keys.now)
        #expect(validated.notBefore == nil)
        #expect(validated.keyID == key.keyID)
        #expect(validated.algorithm == algorithm)
    }

    @Test("the header is exactly alg, kid and typ JWT, and an ES256 signature is 64 raw bytes")
    func knownAnswerHeaderAndSignature() throws {
        let key = try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "Zb5Mn0tB3HuZ1GSw6xXoL8AwKcDq9vRi")
        let svid = try JWTSVID.sign(
            subject: Keys.workload,
            audience: ["spiffe://example.org/api"],
            expiresAt: Keys.now + 300,
            issuedAt: Keys.now,
            key: key
        )
        let parts = svid.token.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        let header = try #require(Base64URL.decode(parts[0]))
        #expect(Keys.text(header) == #"{"alg":"ES256","kid":"Zb5Mn0tB3HuZ1GSw6xXoL8AwKcDq9vRi","typ":"JWT"}"#)
        #expect(Keys.object(header) == ["alg": .string("ES256"), "kid": .string("Zb5Mn0tB3HuZ1GSw6xXoL8AwKcDq9vRi"), "typ": .string("JWT")])
        #expect(try #require(Base64URL.decode(parts[2])).count == 64)
        let claims = try #require(Base64URL.decode(parts[1]))
        #expect(claims == svid.claimsJSON)
        #expect(Keys.text(claims) == #"{"aud":["spiffe://example.org/api"],"exp":1767225900,"iat":1767225600,"sub":"spiffe://example.org/ns/prod/sa/web"}"#)
    }

    @Test("signature lengths follow the curve or modulus size", arguments: [
        (JWTAlgorithm.es384, 96), (.es512, 132), (.rs256, 256), (.ps256, 256),
    ])
    func signatureLengths(algorithm: JWTAlgorithm, length: Int) throws {
        let svid = try JWTSVID.sign(subject: Keys.workload, audience: ["a"], expiresAt: Keys.now + 60, key: Self.key(for: algorithm))
        let signature = try #require(svid.token.split(separator: ".").last)
        #expect(Base64URL.decode(signature)?.count == length)
    }

    @Test("extra claims are carried, fractional dates truncate, and iat may be left out")
    func extraClaims() throws {
        let svid = try JWTSVID.sign(
            subject: Keys.workload,
            audience: ["a", "b"],
            expiresAt: Keys.now + 300.9,
            key: Keys.p256Key(),
            extraClaims: ["iss": "https://issuer.example", "jti": "abc"]
        )
        let claims = Keys.object(svid.claimsJSON)
        #expect(claims["iss"] == .string("https://issuer.example"))
        #expect(claims["jti"] == .string("abc"))
        #expect(claims["exp"] == .integer(1_767_225_900))
        #expect(claims["iat"] == nil)
        #expect(svid.audience == ["a", "b"])
        #expect(svid.issuedAt == nil)
    }

    @Test("signing refuses a subject without a path")
    func signRefusesTrustDomainSubject() {
        let error = #expect(throws: SPIFFEError.self) {
            try JWTSVID.sign(subject: Keys.exampleOrg.id, audience: ["a"], expiresAt: Keys.now, key: Keys.p256Key())
        }
        #expect(error?.code == .invalidSubject)
    }

    @Test("signing refuses an empty audience list")
    func signRefusesEmptyAudience() {
        let error = #expect(throws: SPIFFEError.self) {
            try JWTSVID.sign(subject: Keys.workload, audience: [], expiresAt: Keys.now, key: Keys.p256Key())
        }
        #expect(error?.code == .missingAudience)
    }

    struct BadSignArguments: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let audience: [String]
        let expiresAt: Date
        let issuedAt: Date?
        let extra: [String: String]
    }

    @Test("signing refuses bad arguments", arguments: [
        BadSignArguments(testDescription: "empty audience string", audience: ["a", ""], expiresAt: JWTTestKeys.now + 60, issuedAt: nil, extra: [:]),
        BadSignArguments(testDescription: "exp before iat", audience: ["a"], expiresAt: JWTTestKeys.now, issuedAt: JWTTestKeys.now + 1, extra: [:]),
        BadSignArguments(testDescription: "exp equal to iat", audience: ["a"], expiresAt: JWTTestKeys.now, issuedAt: JWTTestKeys.now, extra: [:]),
        BadSignArguments(testDescription: "exp before 1970", audience: ["a"], expiresAt: Date(timeIntervalSince1970: -10), issuedAt: nil, extra: [:]),
        BadSignArguments(testDescription: "extra sub", audience: ["a"], expiresAt: JWTTestKeys.now + 60, issuedAt: nil, extra: ["sub": "spiffe://x/y"]),
        BadSignArguments(testDescription: "extra aud", audience: ["a"], expiresAt: JWTTestKeys.now + 60, issuedAt: nil, extra: ["aud": "b"]),
        BadSignArguments(testDescription: "extra exp", audience: ["a"], expiresAt: JWTTestKeys.now + 60, issuedAt: nil, extra: ["exp": "1"]),
        BadSignArguments(testDescription: "extra iat", audience: ["a"], expiresAt: JWTTestKeys.now + 60, issuedAt: nil, extra: ["iat": "1"]),
    ])
    func signRefusesBadArguments(_ case: BadSignArguments) {
        let error = #expect(throws: SPIFFEError.self) {
            try JWTSVID.sign(
                subject: Keys.workload,
                audience: `case`.audience,
                expiresAt: `case`.expiresAt,
                issuedAt: `case`.issuedAt,
                key: Keys.p256Key(),
                extraClaims: `case`.extra
            )
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("signing refuses extra claims that are not a JSON object")
    func signRefusesNonObjectExtraClaims() {
        let error = #expect(throws: SPIFFEError.self) {
            try JWTSVID.sign(subject: Keys.workload, audience: ["a"], expiresAt: Keys.now + 60, key: Keys.p256Key(), extraClaims: [1, 2])
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test("a token validates against a SPIFFE bundle, a JWT bundle set and a SPIFFE bundle set")
    func validatesAgainstEverySource() throws {
        let key = Keys.p256Key()
        let token = try JWTSVID.sign(subject: Keys.workload, audience: ["a"], expiresAt: Keys.now + 60, key: key).token
        let spiffeBundle = SPIFFEBundle(trustDomain: Keys.exampleOrg, jwtAuthorities: [key.keyID: key.publicKey])
        let other = Keys.bundle(Keys.otherOrg, Keys.p256Key("other"))
        _ = try JWTSVID.parseAndValidate(token: token, bundles: spiffeBundle, audience: ["a"], now: Keys.now)
        _ = try JWTSVID.parseAndValidate(token: token, bundles: JWTBundleSet([Keys.bundle(Keys.exampleOrg, key), other]), audience: ["a"], now: Keys.now)
        _ = try JWTSVID.parseAndValidate(
            token: token,
            bundles: SPIFFEBundleSet([spiffeBundle, SPIFFEBundle(trustDomain: Keys.otherOrg, jwtAuthorities: other.jwtAuthorities)]),
            audience: ["a"],
            now: Keys.now
        )
    }

    @Test("aud may be a single string, typ may be absent or JOSE, and numeric dates may be floats")
    func lenientClaimForms() throws {
        let key = Keys.p256Key()
        let headers = [
            #"{"alg":"ES256","kid":"p256-kid"}"#,
            #"{"alg":"ES256","kid":"p256-kid","typ":"JOSE"}"#,
        ]
        for header in headers {
            let token = Keys.forge(
                header: header,
                claims: Keys.claims(aud: "\"spiffe://example.org/api\"", exp: "1767226200.5", iat: "1767225600.25", nbf: "1767225500"),
                signedWith: key
            )
            let svid = try JWTSVID.parseAndValidate(token: token, bundles: Keys.bundle(Keys.exampleOrg, key), audience: ["spiffe://example.org/api"], now: Keys.now)
            #expect(svid.audience == ["spiffe://example.org/api"])
            #expect(svid.expiresAt == Date(timeIntervalSince1970: 1_767_226_200.5))
            #expect(svid.notBefore == Date(timeIntervalSince1970: 1_767_225_500))
        }
    }

    @Test("parseInsecure reads the claims of a token signed by an unknown key, still checking its shape")
    func parseInsecureSkipsSignature() throws {
        let stranger = Keys.p256Key("unknown-to-anyone")
        let token = Keys.forge(header: Keys.header(for: stranger), claims: Keys.claims(exp: "1000"), signedWith: stranger)
        let svid = try JWTSVID.parseInsecure(token: token, audience: ["spiffe://example.org/api"])
        #expect(svid.subject == Keys.workload)
        #expect(svid.expiresAt == Date(timeIntervalSince1970: 1000))

        let none = Keys.forge(header: #"{"alg":"none","kid":"k"}"#, claims: Keys.claims(), signature: [])
        #expect((#expect(throws: SPIFFEError.self) { try JWTSVID.parseInsecure(token: none, audience: ["spiffe://example.org/api"]) })?.code == .unsupportedAlgorithm)
        let noExp = Keys.forge(header: Keys.header(for: stranger), claims: Keys.claims(exp: nil), signedWith: stranger)
        #expect((#expect(throws: SPIFFEError.self) { try JWTSVID.parseInsecure(token: noExp, audience: ["spiffe://example.org/api"]) })?.code == .missingExpiry)
        #expect((#expect(throws: SPIFFEError.self) { try JWTSVID.parseInsecure(token: token, audience: ["other"]) })?.code == .audienceMismatch)
        #expect((#expect(throws: SPIFFEError.self) { try JWTSVID.parseInsecure(token: token, audience: []) })?.code == .invalidArgument)
    }
}
