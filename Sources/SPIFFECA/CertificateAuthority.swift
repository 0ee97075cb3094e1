package import SPIFFE
package import X509
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Signs the trust domain's credentials with its active authority. A value: rotation swaps in a new
/// `CertificateAuthority` rather than mutating one. Every credential is validated before it is returned.
package struct CertificateAuthority: Sendable {
    /// The trust domain this CA signs for.
    package let trustDomain: TrustDomain
    /// The active X.509 authority.
    package let x509Authority: X509Authority
    /// The subject of issued X509-SVIDs (the first DNS name is added as CN).
    package let svidSubject: DistinguishedName

    package init(trustDomain: TrustDomain, x509Authority: X509Authority, svidSubject: DistinguishedName = CertificateAuthority.defaultSVIDSubject) {
        self.trustDomain = trustDomain
        self.x509Authority = x509Authority
        self.svidSubject = svidSubject
    }

    /// `C=US, O=SPIFFE`.
    package static let defaultSVIDSubject: DistinguishedName = try! DistinguishedName {
        CountryName("US")
        OrganizationName("SPIFFE")
    }

    /// Issues an X509-SVID shaped as SPEC §2.2: random serial, URI SAN, DNS SANs, cA false, critical key usage
    /// digitalSignature + keyEncipherment + keyAgreement, EKU serverAuth + clientAuth, SKI and AKI, notBefore 10 s
    /// in the past, notAfter = now + TTL capped at the authority's notAfter.
    ///
    /// - Returns: the chain to serve: the leaf, then the authority's upstream intermediates (never the root).
    /// - Throws: ``CAError/Code/invalidParameters``, ``CAError/Code/authorityExpired`` or
    ///   ``CAError/Code/issuedCredentialInvalid``.
    package func signX509SVID(_ parameters: X509SVIDParameters, now: Date) throws(CAError) -> [Certificate] {
        let id = parameters.spiffeID
        guard id.isMember(of: trustDomain) else {
            throw CAError(.invalidParameters, "cannot issue \(id): it is not in trust domain \(trustDomain)")
        }
        guard id.hasPath else {
            throw CAError(.invalidParameters, "cannot issue an SVID for \(id): a workload ID needs a path")
        }
        guard parameters.ttl > .zero else {
            throw CAError(.invalidParameters, "X509-SVID TTL must be positive, got \(parameters.ttl)")
        }
        guard now < x509Authority.notAfter else {
            throw CAError(.authorityExpired, "the X.509 authority expired at \(x509Authority.notAfter)")
        }
        let notAfter = min(now.addingTimeInterval(parameters.ttl.timeInterval), x509Authority.notAfter)
        var subject = svidSubject
        if let first = parameters.dnsNames.first {
            subject = DistinguishedName(Array(subject) + [RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: first))])
        }
        let leaf: Certificate
        do {
            let authorityKeyID = try x509Authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true, keyAgreement: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectKeyIdentifier(hash: parameters.publicKey)
                if let authorityKeyID {
                    AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
                }
                SubjectAlternativeNames(
                    [.uniformResourceIdentifier(id.string)] + parameters.dnsNames.map(GeneralName.dnsName)
                )
            }
            leaf = try Certificate(
                version: .v3,
                serialNumber: CertificateAuthority.serialNumber(),
                publicKey: parameters.publicKey,
                notValidBefore: now.addingTimeInterval(-X509Authority.notBeforeCushion),
                notValidAfter: notAfter,
                issuer: x509Authority.certificate.subject,
                subject: subject,
                signatureAlgorithm: CAKeyType.signatureAlgorithm(for: x509Authority.privateKey),
                extensions: extensions,
                issuerPrivateKey: x509Authority.privateKey
            )
        } catch {
            throw CAError(.invalidParameters, "could not build the X509-SVID for \(id)", cause: error)
        }
        let chain = [leaf] + x509Authority.upstreamChain
        try IssuedCredentialValidator.validateX509SVID(chain: chain, expectedID: id, now: now)
        return chain
    }

    /// Refuses a TTL that no authority of this CA's lifetime could ever honour (an entry asking for 48 h under a
    /// 24 h CA would silently get less at every issuance).
    ///
    /// - Throws: ``CAError/Code/ttlNotHonourable`` naming both durations.
    package func checkHonourable(ttl: Duration, kind: String) throws(CAError) {
        let lifetime = x509Authority.notAfter.timeIntervalSince(x509Authority.certificate.notValidBefore)
        guard ttl.timeInterval <= lifetime else {
            throw CAError(
                .ttlNotHonourable,
                "\(kind) TTL of \(Int(ttl.timeInterval)) s exceeds the CA lifetime of \(Int(lifetime)) s: raise ca_ttl or lower the TTL"
            )
        }
    }

    /// A serial number as SPIRE draws it: uniform in [1, 2^128 − 1].
    static func serialNumber() -> Certificate.SerialNumber {
        var generator = SystemRandomNumberGenerator()
        while true {
            let high = generator.next() as UInt64
            let low = generator.next() as UInt64
            if high == 0 && low == 0 { continue }
            var bytes: [UInt8] = []
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
            return Certificate.SerialNumber(bytes: bytes)
        }
    }

    /// Reads the public key of a PKCS#10 CSR after checking the CSR's self-signature (proof of possession).
    ///
    /// - Throws: ``CAError/Code/invalidCSR``.
    package static func publicKey(fromCSR der: [UInt8]) throws(CAError) -> Certificate.PublicKey {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(derEncoded: der)
        } catch {
            throw CAError(.invalidCSR, "certificate signing request is not valid DER PKCS#10", cause: error)
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw CAError(.invalidCSR, "certificate signing request signature does not verify with its own public key")
        }
        return csr.publicKey
    }
}

extension CertificateAuthority {
    /// The names a PKCS#10 CSR asks for in its subject alternative name extension request (URIs and DNS names),
    /// after checking its self-signature: `MintX509SVID` takes the SPIFFE ID from the CSR, as SPIRE does.
    ///
    /// - Throws: ``CAError/Code/invalidCSR``.
    package static func requestedNames(inCSR der: [UInt8]) throws(CAError) -> (uris: [String], dnsNames: [String]) {
        _ = try publicKey(fromCSR: der)
        do {
            let csr = try CertificateSigningRequest(derEncoded: der)
            guard let names = try csr.attributes.extensionRequest?.extensions.subjectAlternativeNames else { return ([], []) }
            var uris: [String] = []
            var dnsNames: [String] = []
            for name in names {
                switch name {
                case .uniformResourceIdentifier(let uri): uris.append(uri)
                case .dnsName(let dns): dnsNames.append(dns)
                default: continue
                }
            }
            return (uris, dnsNames)
        } catch {
            throw CAError(.invalidCSR, "certificate signing request has a malformed extension request", cause: error)
        }
    }
}
