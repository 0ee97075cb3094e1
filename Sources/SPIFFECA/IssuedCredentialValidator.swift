import SPIFFE
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The CA's last check before a credential leaves it, as SPIRE's `credvalidator`: a credential that fails is a
/// bug in the CA, never released.
enum IssuedCredentialValidator {
    /// What a JWT-SVID just signed must hold.
    struct ExpectedJWT: Sendable {
        var id: SPIFFEID
        var audience: [String]
        var issuer: String?
        var publishedKey: Certificate.PublicKey
        var keyNotAfter: Date
    }

    /// Parses the token back and validates it as a relying party would (JWT-SVID §2–4: header, `sub`, `aud`,
    /// `exp`, and the signature against the key the bundle publishes for its `kid`, with no leeway), then checks
    /// that it says what was asked: the subject, every audience, `iss`, and an expiry within the key's validity.
    static func validateJWTSVID(_ svid: JWTSVID, expected: ExpectedJWT, now: Date) throws(CAError) {
        let bundle = JWTBundle(trustDomain: expected.id.trustDomain, jwtAuthorities: [svid.keyID: expected.publishedKey])
        let parsed: JWTSVID
        do {
            parsed = try JWTSVID.parseAndValidate(token: svid.token, bundles: bundle, audience: expected.audience, now: now, leeway: .zero)
        } catch {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID breaks a SPIFFE rule: \(error.message)", cause: error)
        }
        guard parsed.subject == expected.id else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID carries sub \(parsed.subject), expected \(expected.id)")
        }
        guard Set(parsed.audience) == Set(expected.audience) else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID carries aud \(parsed.audience), expected \(expected.audience)")
        }
        guard parsed.expiresAt > now, parsed.expiresAt <= expected.keyNotAfter else {
            throw CAError(
                .issuedCredentialInvalid,
                "issued JWT-SVID expires at \(parsed.expiresAt): it must be after now (\(now)) and no later than its key (\(expected.keyNotAfter))"
            )
        }
        let issuer = Self.issuerClaim(of: parsed)
        guard issuer == expected.issuer else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID carries iss \(issuer ?? "none"), expected \(expected.issuer ?? "none")")
        }
    }

    /// The `iss` claim, when it is a string.
    private static func issuerClaim(of svid: JWTSVID) -> String? {
        struct Claims: Decodable { var iss: String? }
        return (try? JSONDecoder().decode(Claims.self, from: Data(svid.claimsJSON)))?.iss
    }

    static func validateX509SVID(chain: [Certificate], expectedID: SPIFFEID, now: Date) throws(CAError) {
        let id: SPIFFEID
        do {
            id = try X509SVIDVerifier.validateShape(of: chain)
        } catch {
            throw CAError(.issuedCredentialInvalid, "issued X509-SVID breaks a SPIFFE rule: \(error.message)", cause: error)
        }
        let leaf = chain[0]
        guard id == expectedID else {
            throw CAError(.issuedCredentialInvalid, "issued X509-SVID carries \(id), expected \(expectedID)")
        }
        guard let keyUsage = try? leaf.extensions.keyUsage,
            !keyUsage.nonRepudiation, !keyUsage.dataEncipherment, !keyUsage.encipherOnly, !keyUsage.decipherOnly
        else {
            throw CAError(.issuedCredentialInvalid, "issued X509-SVID has key usages beyond digitalSignature, keyEncipherment, keyAgreement")
        }
        if let eku = try? leaf.extensions.extendedKeyUsage {
            guard eku.contains(.serverAuth), eku.contains(.clientAuth) else {
                throw CAError(.issuedCredentialInvalid, "issued X509-SVID EKU must hold both serverAuth and clientAuth (X509-SVID §4.4)")
            }
        }
        guard leaf.notValidBefore <= now, now < leaf.notValidAfter else {
            throw CAError(.issuedCredentialInvalid, "issued X509-SVID is not valid now (\(leaf.notValidBefore) – \(leaf.notValidAfter))")
        }
    }
}
