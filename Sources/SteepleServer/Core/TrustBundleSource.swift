import SPIFFE
import SPIFFECA
import SPIREAPIProto
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
    /// Subject key IDs (lower-case hex) of the bundle's tainted X.509 roots.
    var taintedX509AuthorityIDs: Set<String> { get }
    /// `kid`s of the bundle's tainted JWT keys.
    var taintedJWTKeyIDs: Set<String> { get }
}

extension TrustBundleSource {
    /// The bundle in SPIRE's API form, its tainted authorities marked as SPIRE marks them (SPIRE agents re-issue
    /// what a tainted X.509 authority signed and drop JWT-SVIDs of a tainted key).
    var spireBundle: Spire_Api_Types_Bundle {
        let bundle = self.bundle
        var proto = bundle.spireProto
        let x509 = taintedX509AuthorityIDs
        let jwt = taintedJWTKeyIDs
        guard !x509.isEmpty || !jwt.isEmpty else { return proto }
        // spireProto keeps the bundle's order of authorities.
        for (index, certificate) in zip(proto.x509Authorities.indices, bundle.x509Authorities) {
            proto.x509Authorities[index].tainted = x509.contains(certificate.subjectKeyIDHex)
        }
        for index in proto.jwtAuthorities.indices {
            proto.jwtAuthorities[index].tainted = jwt.contains(proto.jwtAuthorities[index].keyID)
        }
        return proto
    }
}

extension CAManager: TrustBundleSource {
    var activeX509Validity: (notBefore: Date, notAfter: Date) {
        let authority = certificateAuthority.x509Authority
        return (authority.certificate.notValidBefore, authority.notAfter)
    }
}
