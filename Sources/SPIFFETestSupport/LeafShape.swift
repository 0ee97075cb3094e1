package import X509
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The shape of a test leaf certificate. The defaults make a valid X509-SVID shaped as SPIRE's (SPEC §2.2);
/// each property can be changed to produce one defect.
package struct LeafShape: Sendable {
    /// The URI SANs (an SVID has exactly one).
    package var uris: [String]
    /// DNS SANs.
    package var dnsNames: [String] = []
    /// Basic constraints; `nil` omits the extension.
    package var basicConstraints: BasicConstraints? = .notCertificateAuthority
    /// Key usage; `nil` omits the extension.
    package var keyUsage: KeyUsage? = KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true)
    /// Whether the key usage extension is critical.
    package var keyUsageCritical = true
    /// Extended key usages; empty omits the extension.
    package var extendedKeyUsages: [ExtendedKeyUsage.Usage] = [.serverAuth, .clientAuth]
    /// Whether the SAN extension is critical.
    package var sanCritical = false
    /// Validity start.
    package var notBefore = Date(timeIntervalSinceNow: -60)
    /// Validity end.
    package var notAfter = Date(timeIntervalSinceNow: 3600)
    /// Subject common name.
    package var commonName = "test leaf"
    /// The leaf's key; a new P-256 key when `nil`.
    package var privateKey: Certificate.PrivateKey?

    /// A valid shape for one URI SAN.
    package init(uris: [String]) {
        self.uris = uris
    }

    func extensions(authorityKeyID: ArraySlice<UInt8>, publicKey: Certificate.PublicKey) throws -> [Certificate.Extension] {
        var result: [Certificate.Extension] = []
        if let basicConstraints {
            result.append(try Certificate.Extension(basicConstraints, critical: true))
        }
        if let keyUsage {
            result.append(try Certificate.Extension(keyUsage, critical: keyUsageCritical))
        }
        if !extendedKeyUsages.isEmpty {
            result.append(try Certificate.Extension(ExtendedKeyUsage(extendedKeyUsages), critical: false))
        }
        result.append(try Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false))
        result.append(try Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: authorityKeyID), critical: false))
        let names = uris.map(GeneralName.uniformResourceIdentifier) + dnsNames.map(GeneralName.dnsName)
        if !names.isEmpty {
            result.append(try Certificate.Extension(SubjectAlternativeNames(names), critical: sanCritical))
        }
        return result
    }
}
