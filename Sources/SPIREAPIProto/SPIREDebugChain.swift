package import SPIFFE
package import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `svid_chain` of SPIRE's Debug GetInfo (agent and server alike): the process's SVID chain as SPIRE's
/// verification returns it, each certificate with its SPIFFE ID, expiry and subject.
package enum SPIREDebugChain {
    /// `chain` (leaf, intermediates), then the authority of `authorities` that issued its last certificate, when
    /// there is one.
    package static func chain(_ chain: [Certificate], authorities: [Certificate]) -> [Certificate] {
        guard let last = chain.last else { return chain }
        let issuerKeyID = try? last.extensions.authorityKeyIdentifier?.keyIdentifier
        guard let root = authorities.first(where: { authority in
            guard authority.subject == last.issuer else { return false }
            guard let issuerKeyID, let keyID = try? authority.extensions.subjectKeyIdentifier?.keyIdentifier else { return true }
            return keyID == issuerKeyID
        }), root != last else { return chain }
        return chain + [root]
    }

    /// What GetInfo says of one certificate: its SPIFFE ID (a CA's is its trust domain's ID, with an empty path;
    /// `nil` without one), its expiry in seconds since the epoch, and its subject.
    package static func describe(_ certificate: Certificate) -> (id: Spire_Api_Types_SPIFFEID?, expiresAt: Int64, subject: String) {
        var id: Spire_Api_Types_SPIFFEID?
        if let names = try? certificate.extensions.subjectAlternativeNames {
            for case .uniformResourceIdentifier(let uri) in names {
                if let parsed = try? SPIFFEID(uri) {
                    id = Spire_Api_Types_SPIFFEID(parsed)
                    break
                }
            }
        }
        return (id, Int64(certificate.notValidAfter.timeIntervalSince1970.rounded(.down)), String(describing: certificate.subject))
    }
}
