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
        /// Whether the key that signed the token is the one the bundle publishes under its `kid` (decided once per key:
        /// comparing public keys encodes both).
        var keyIsPublished: Bool
        var keyNotAfter: Date
    }

    /// Checks a token this process just signed, on its claims (SPIRE validates what it issues; since issue #20 not by
    /// parsing it back and verifying its signature, which cost more than the signing itself): the key that signed it
    /// is the key the bundle publishes (so relying parties can verify it), `sub` is a workload ID of the trust domain
    /// and what was asked, every audience is there and non-empty, `iss` is the configured one, and it expires after
    /// now and no later than its key.
    static func validateJWTSVID(_ svid: JWTSVID, expected: ExpectedJWT, now: Date) throws(CAError) {
        guard expected.keyIsPublished else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID was signed by a key the bundle does not publish under kid \(svid.keyID): its signature would not verify")
        }
        guard svid.subject.hasPath, svid.subject.isMember(of: expected.id.trustDomain) else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID breaks a SPIFFE rule: sub \(svid.subject) is not a workload ID of \(expected.id.trustDomain) (JWT-SVID §3.1)")
        }
        guard svid.subject == expected.id else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID carries sub \(svid.subject), expected \(expected.id)")
        }
        guard !svid.audience.isEmpty, !svid.audience.contains(where: \.isEmpty) else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID breaks a SPIFFE rule: aud must hold one or more non-empty values (JWT-SVID §3.2)")
        }
        guard Set(svid.audience) == Set(expected.audience) else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID carries aud \(svid.audience), expected \(expected.audience)")
        }
        guard svid.expiresAt > now, svid.expiresAt <= expected.keyNotAfter else {
            throw CAError(
                .issuedCredentialInvalid,
                "issued JWT-SVID expires at \(svid.expiresAt): it must be after now (\(now)) and no later than its key (\(expected.keyNotAfter))"
            )
        }
        guard svid.issuer == expected.issuer else {
            throw CAError(.issuedCredentialInvalid, "issued JWT-SVID carries iss \(svid.issuer ?? "none"), expected \(expected.issuer ?? "none")")
        }
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
