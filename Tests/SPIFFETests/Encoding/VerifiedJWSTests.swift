import Foundation
import SPIFFE
import SPIFFETestSupport
import Testing

/// ``VerifiedJWS``: JWTs that are not JWT-SVIDs (a cloud provider's identity tokens), verified with a ``JWSKeySet``.
@Suite("VerifiedJWS")
struct VerifiedJWSTests {
    @Test("a token with headers a JWT-SVID may not carry (x5t, typ at+jwt) and a non-SPIFFE sub verifies with its kid's key")
    func lenientHeader() throws {
        let issuer = try TestCloudIssuer(keyID: "k")
        let token = try issuer.jwt(claims: ["sub": "not-a-spiffe-id", "aud": "x"], extraHeader: ["x5t": "thumb", "typ": "at+jwt"])
        let verified = try VerifiedJWS(token: token, keySet: JWSKeySet(json: Array(issuer.jwksJSON.utf8)), algorithms: [.rs256])
        #expect(verified.keyID == "k" && verified.algorithm == .rs256)
        let claims = try JSONSerialization.jsonObject(with: Data(verified.payload)) as? [String: String]
        #expect(claims?["sub"] == "not-a-spiffe-id")
        #expect(throws: SPIFFEError.self, "a JWT-SVID still refuses such a header") {
            try JWTSVID.parseInsecure(token: token, audience: ["x"])
        }
    }

    @Test("refusals: another key under the same kid, an unknown kid, an alg outside the allowed ones, alg none")
    func refusals() throws {
        let issuer = try TestCloudIssuer(keyID: "k")
        let keys = try JWSKeySet(json: Array(issuer.jwksJSON.utf8))
        let forged = try TestCloudIssuer(keyID: "k").jwt(claims: ["sub": "a"])
        let unknown = try TestCloudIssuer(keyID: "other").jwt(claims: ["sub": "a"])
        let good = try issuer.jwt(claims: ["sub": "a"])
        let header = Array(#"{"alg":"none","kid":"k"}"#.utf8)
        let none = Base64URLString.encode(header) + "." + good.split(separator: ".")[1] + "."
        let cases: [(String, [JWTAlgorithm], SPIFFEError.Code)] = [
            (forged, [.rs256], .invalidSignature),
            (unknown, [.rs256], .unknownKeyID),
            (good, [.es256], .unsupportedAlgorithm),
            (none, [.rs256], .unsupportedAlgorithm),
        ]
        for (token, algorithms, code) in cases {
            #expect {
                _ = try VerifiedJWS(token: token, keySet: keys, algorithms: algorithms)
            } throws: { error in
                (error as? SPIFFEError)?.code == code
            }
        }
    }
}

/// Base64url without padding, for hand-made headers.
private enum Base64URLString {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
