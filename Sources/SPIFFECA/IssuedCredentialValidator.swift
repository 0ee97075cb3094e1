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
