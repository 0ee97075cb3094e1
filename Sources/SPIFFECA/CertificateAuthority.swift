package import SPIFFE
package import X509
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Signs the trust domain's credentials with its active authority. A value: rotation swaps in a new
/// `CertificateAuthority` rather than mutating one. Every credential is validated before it is returned (an SVID written
/// from the fixed template: its template once, on a sample, and each SVID on what varies).
package struct CertificateAuthority: Sendable {
    /// The trust domain this CA signs for.
    package let trustDomain: TrustDomain
    /// The active X.509 authority.
    package let x509Authority: X509Authority
    /// The subject of issued X509-SVIDs (the first DNS name is added as CN).
    package let svidSubject: DistinguishedName

    /// The authority's fixed-template SVID writer; nil for a key the template does not sign with.
    let svidTemplate: X509SVIDTemplate?

    package init(trustDomain: TrustDomain, x509Authority: X509Authority, svidSubject: DistinguishedName = CertificateAuthority.defaultSVIDSubject) {
        self.trustDomain = trustDomain
        self.x509Authority = x509Authority
        self.svidSubject = svidSubject
        self.svidTemplate = X509SVIDTemplate(authority: x509Authority, svidSubject: svidSubject, trustDomain: trustDomain)
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
        try signX509SVID(parameters, now: now, serialNumber: Self.serialNumber())
    }

    /// ``signX509SVID(_:now:)`` with a given serial (tests compare it with ``issueX509SVID(_:csr:now:)``).
    func signX509SVID(_ parameters: X509SVIDParameters, now: Date, serialNumber: Certificate.SerialNumber) throws(CAError) -> [Certificate] {
        let id = parameters.spiffeID
        let notAfter = try svidNotAfter(parameters, now: now)
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
                serialNumber: serialNumber,
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

    /// The X509-SVID for the key of PKCS#10 request `csr`, after checking the request's signature (proof of
    /// possession, ``publicKey(fromCSR:)``): the same certificate as ``signX509SVID(_:now:)``, byte for byte, written
    /// from the authority's fixed template (``X509SVIDTemplate``) instead of built with swift-certificates. What the
    /// server's signing handlers call. The key is copied from the very request whose signature was checked.
    ///
    /// The builder (``signX509SVID(_:now:)``, which validates each certificate it signs) takes over for what the template
    /// does not write: an RSA key, an EC key not encoded as swift-certificates encodes it (a compressed point), a DNS name
    /// that is not ASCII (refused there), a date outside years 1–9999, an authority whose key or chain the template
    /// refused. The template itself was validated when it was made (``X509SVIDTemplate/init(authority:svidSubject:)``
    /// writes and validates a sample SVID, as SPIRE's credential validator checks its template); each SVID is then
    /// checked on what varies: the ID, the lifetime within the authority's, a validity that holds now once rounded to
    /// the second.
    ///
    /// - Throws: ``CAError/Code/invalidCSR``, and as ``signX509SVID(_:now:)``.
    package func issueX509SVID(forCSR csr: [UInt8], spiffeID: SPIFFEID, ttl: Duration, dnsNames: [String], now: Date) throws(CAError) -> IssuedX509SVID {
        try issueX509SVID(forCSR: csr, spiffeID: spiffeID, ttl: ttl, dnsNames: dnsNames, now: now, serialNumber: Self.serialNumber())
    }

    /// ``issueX509SVID(forCSR:spiffeID:ttl:dnsNames:now:)`` with a given serial.
    func issueX509SVID(
        forCSR csr: [UInt8], spiffeID: SPIFFEID, ttl: Duration, dnsNames: [String], now: Date, serialNumber serial: Certificate.SerialNumber
    ) throws(CAError) -> IssuedX509SVID {
        let parameters = X509SVIDParameters(spiffeID: spiffeID, publicKey: try Self.publicKey(fromCSR: csr), ttl: ttl, dnsNames: dnsNames)
        let notAfter = try svidNotAfter(parameters, now: now)
        let notBefore = now.addingTimeInterval(-X509Authority.notBeforeCushion)
        guard let svidTemplate, let subjectPublicKeyInfo = DERReader.subjectPublicKeyInfo(ofCSR: csr),
              let keyLength = X509SVIDTemplate.canonicalKeyLength(subjectPublicKeyInfo),
              dnsNames.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }),
              X509SVIDTemplate.writesTime(notBefore), X509SVIDTemplate.writesTime(notAfter)
        else {
            return IssuedX509SVID(chain: try signX509SVID(parameters, now: now, serialNumber: serial))
        }
        let written = (notBefore: Self.wholeSeconds(notBefore), notAfter: Self.wholeSeconds(notAfter))
        guard written.notBefore <= now, now < written.notAfter else {
            throw CAError(.issuedCredentialInvalid, "issued X509-SVID would not be valid now (\(written.notBefore) – \(written.notAfter))")
        }
        let tbs = svidTemplate.tbsCertificate(
            serialNumber: Array(serial.bytes), notBefore: notBefore, notAfter: notAfter, commonName: dnsNames.first,
            subjectPublicKeyInfo: subjectPublicKeyInfo,
            subjectKeyIdentifier: X509SVIDTemplate.subjectKeyIdentifier(canonical: subjectPublicKeyInfo, keyLength: keyLength),
            uri: spiffeID.string, dnsNames: dnsNames
        )
        let leaf: [UInt8]
        do {
            leaf = try svidTemplate.certificate(tbsCertificate: tbs, signedWith: x509Authority.privateKey)
        } catch {
            throw CAError(.invalidParameters, "could not sign the X509-SVID for \(spiffeID)", cause: error)
        }
        return IssuedX509SVID(
            leafDER: leaf, upstreamChain: x509Authority.upstreamChain, upstreamCertificatesDER: svidTemplate.upstreamCertificatesDER, serialNumber: serial.bytes,
            notBefore: written.notBefore, expiresAt: written.notAfter)
    }

    /// Checks an SVID's parameters against this CA and returns its notAfter: now + TTL, capped at the authority's end.
    private func svidNotAfter(_ parameters: X509SVIDParameters, now: Date) throws(CAError) -> Date {
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
        return min(now.addingTimeInterval(parameters.ttl.timeInterval), x509Authority.notAfter)
    }

    /// A date as a certificate holds it: rounded to the second.
    private static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded())
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
