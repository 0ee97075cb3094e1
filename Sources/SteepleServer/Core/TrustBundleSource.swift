import SPIFFE
import SPIFFECA
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The trust domain's own bundle as the CA publishes it now (``CAManager`` is the one in a server).
protocol TrustBundleSource: Sendable {
    /// The bundle, with its `spiffe_sequence`.
    var bundle: SPIFFEBundle { get }
    /// The subject key ID of the X.509 authority that signs now (agents re-issue when it changes).
    var activeX509KeyID: [UInt8] { get }
    /// When the signing X.509 authority stops being valid, and how long it lives in all (the longest TTL it could
    /// ever honour).
    var activeX509Validity: (notBefore: Date, notAfter: Date) { get }
}

extension CAManager: TrustBundleSource {
    var activeX509Validity: (notBefore: Date, notAfter: Date) {
        let authority = certificateAuthority.x509Authority
        return (authority.certificate.notValidBefore, authority.notAfter)
    }
}
