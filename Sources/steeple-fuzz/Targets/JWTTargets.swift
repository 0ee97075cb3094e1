import Crypto
import SPIFFE
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JWT-SVIDs and JWKS documents.
enum JWTTargets {
    static let jwtSVID = FuzzTarget(
        name: "jwt-svid",
        summary: "JWTSVID.parseInsecure and parseAndValidate (against FuzzKeys' bundle, at a fixed time) on the input as a token"
    ) { bytes in
        let token = String(decoding: bytes, as: UTF8.self)
        _ = try? JWTSVID.parseInsecure(token: token, audience: [FuzzKeys.audience])
        FuzzLog.outcome("jwt-svid") {
            try JWTSVID.parseAndValidate(token: token, bundles: FuzzKeys.jwtBundles, audience: [FuzzKeys.audience], now: FuzzKeys.now).subject
        }
    }

    static let jwks = FuzzTarget(
        name: "jwks",
        summary: "JWTBundle(trustDomain:jwksJSON:) on the input; an accepted bundle's jwksJSON must parse back to the same keys"
    ) { bytes in
        guard let bundle = try? JWTBundle(trustDomain: FuzzKeys.trustDomain, jwksJSON: bytes) else { return }
        let again = try! JWTBundle(trustDomain: FuzzKeys.trustDomain, jwksJSON: bundle.jwksJSON)
        precondition(again.jwtAuthorities.keys.sorted() == bundle.jwtAuthorities.keys.sorted())
    }
}

/// Fixed keys, so that committed seeds signed with them still verify in every run.
enum FuzzKeys {
    static let trustDomain = try! TrustDomain("example.org")
    static let audience = "spiffe://example.org/fuzz-audience"
    /// 2027-01-15 08:00 UTC: inside the validity of the committed JWT-SVID seeds.
    static let now = Date(timeIntervalSince1970: 1_800_000_100)

    static let p256 = try! P256.Signing.PrivateKey(rawRepresentation: Array(repeating: UInt8(0x11), count: 32))
    static let p384 = try! P384.Signing.PrivateKey(rawRepresentation: Array(repeating: UInt8(0x22), count: 48))

    static let jwtBundles = JWTBundleSet([
        JWTBundle(
            trustDomain: trustDomain,
            jwtAuthorities: [
                "fuzz-p256": Certificate.PublicKey(p256.publicKey),
                "fuzz-p384": Certificate.PublicKey(p384.publicKey),
            ]
        )
    ])
}
