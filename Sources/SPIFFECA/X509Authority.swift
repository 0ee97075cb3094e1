package import SPIFFE
package import X509
import SteepleSupport
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// An X.509 signing authority of the trust domain: a CA certificate, its key, and the chain above it up to (not
/// including) the root when it is an intermediate under an upstream authority.
package struct X509Authority: Sendable, Hashable {
    /// The CA certificate.
    package let certificate: Certificate
    /// The CA's private key.
    package let privateKey: Certificate.PrivateKey
    /// What SVID chains carry after the leaf: this CA's certificate and the intermediates above it, nearest first,
    /// never the root. Empty for a self-signed root CA (the leaf alone is served, as SPIRE does).
    package let upstreamChain: [Certificate]
    /// The roots that anchor it: itself when self-signed, else the upstream bundle. These go into the trust bundle.
    package let roots: [Certificate]

    package init(certificate: Certificate, privateKey: Certificate.PrivateKey, upstreamChain: [Certificate], roots: [Certificate]) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.upstreamChain = upstreamChain
        self.roots = roots
    }

    /// The end of the authority's validity.
    package var notAfter: Date { certificate.notValidAfter }

    /// The authority's subject key identifier, hex-encoded: its stable name in logs and the CLI.
    package var keyIdentifierHex: String { certificate.subjectKeyIDHex }

    /// Creates a self-signed CA shaped as SPEC §2.3: URI SAN `spiffe://<td>`, cA true, critical key usage
    /// keyCertSign + cRLSign, SKI, notBefore 10 s in the past.
    package static func selfSigned(
        trustDomain: TrustDomain,
        privateKey: Certificate.PrivateKey,
        subject: DistinguishedName,
        ttl: Duration,
        now: Date
    ) throws(CAError) -> X509Authority {
        do {
            let certificate = try caCertificate(
                trustDomain: trustDomain, publicKey: privateKey.publicKey, subject: subject,
                notAfter: now.addingTimeInterval(ttl.timeInterval), now: now, issuer: nil, issuerKey: privateKey)
            return X509Authority(certificate: certificate, privateKey: privateKey, upstreamChain: [], roots: [certificate])
        } catch {
            throw CAError(.invalidParameters, "could not build the self-signed CA certificate", cause: error)
        }
    }

    /// A CA certificate for `publicKey` shaped as SPEC §2.3 (``caExtensions(trustDomain:publicKey:parentKeyID:)``): a
    /// fresh serial, added to `subject` as its serialNumber attribute, notBefore 10 s in the past. Self-signed when
    /// `issuer` is nil (then `issuerKey` is the CA's own key), else signed by `issuerKey` under `issuer`'s name and key
    /// ID. Every CA this package makes (self-signed, under a disk upstream, a downstream server's) is built here.
    static func caCertificate(
        trustDomain: TrustDomain, publicKey: Certificate.PublicKey, subject: DistinguishedName, notAfter: Date, now: Date,
        issuer: Certificate?, issuerKey: Certificate.PrivateKey
    ) throws -> Certificate {
        let serial = Certificate.SerialNumber()
        let name = subject.withSerialNumber(serial)
        return try Certificate(
            version: .v3,
            serialNumber: serial,
            publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-notBeforeCushion),
            notValidAfter: notAfter,
            issuer: issuer?.subject ?? name,
            subject: name,
            signatureAlgorithm: CAKeyType.signatureAlgorithm(for: issuerKey),
            extensions: try caExtensions(
                trustDomain: trustDomain, publicKey: publicKey, parentKeyID: try issuer?.extensions.subjectKeyIdentifier?.keyIdentifier),
            issuerPrivateKey: issuerKey
        )
    }

    /// SPIRE's cushion against clock skew: certificates start 10 s before they are made.
    package static let notBeforeCushion: TimeInterval = 10

    static func caExtensions(
        trustDomain: TrustDomain,
        publicKey: Certificate.PublicKey,
        parentKeyID: ArraySlice<UInt8>?
    ) throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
            if let parentKeyID {
                AuthorityKeyIdentifier(keyIdentifier: parentKeyID)
            }
            SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)])
        }
    }
}

extension DistinguishedName {
    /// The CA subject: SPIRE adds the certificate serial as the subject's serialNumber attribute so that
    /// successive CAs never share a subject.
    func withSerialNumber(_ serial: Certificate.SerialNumber) -> DistinguishedName {
        let decimal = serial.bytes.reduce(into: [UInt8]()) { digits, byte in
            // digits is little-endian base 10; multiply by 256 and add byte.
            var carry = Int(byte)
            for i in digits.indices {
                let value = Int(digits[i]) * 256 + carry
                digits[i] = UInt8(value % 10)
                carry = value / 10
            }
            while carry > 0 {
                digits.append(UInt8(carry % 10))
                carry /= 10
            }
        }
        let text = decimal.isEmpty ? "0" : String(decimal.reversed().map { Character(String($0)) })
        var rdns = Array(self)
        // id-at-serialNumber (2.5.4.5); a string of decimal digits is always a valid PrintableString.
        let attribute = try! RelativeDistinguishedName.Attribute(type: [2, 5, 4, 5], printableString: text)
        rdns.append(RelativeDistinguishedName(attribute))
        return DistinguishedName(rdns)
    }
}

extension Duration {
    /// Seconds as a `TimeInterval`.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

extension Certificate {
    /// The subject key identifier in lower-case hex (empty without one): how SPIRE and Steeple name an X.509
    /// authority in logs, the CLI and the LocalAuthority API.
    package var subjectKeyIDHex: String {
        HexEncoding.lowercase((try? extensions.subjectKeyIdentifier?.keyIdentifier) ?? [])
    }
}
