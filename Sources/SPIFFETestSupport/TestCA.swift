import Crypto
package import SPIFFE
package import X509
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A certificate authority for tests: builds CA, intermediate and leaf certificates in-test, including
/// deliberately defective ones (see ``LeafShape``), so that fixtures are named for their defect and never stale.
package struct TestCA: Sendable {
    /// The trust domain the CA signs for.
    package let trustDomain: TrustDomain
    /// The CA's own certificate.
    package let certificate: Certificate
    /// The CA's key.
    package let privateKey: Certificate.PrivateKey
    /// Certificates between this CA and the root, nearest first (empty for a root).
    package let upstreamChain: [Certificate]

    /// Creates a self-signed root CA with URI SAN `spiffe://<trustDomain>`.
    package init(
        trustDomain: TrustDomain,
        notBefore: Date = Date(timeIntervalSinceNow: -3600),
        notAfter: Date = Date(timeIntervalSinceNow: 86400),
        privateKey: Certificate.PrivateKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
    ) {
        let name = Self.name(trustDomain.name + " root")
        self.trustDomain = trustDomain
        self.privateKey = privateKey
        self.upstreamChain = []
        self.certificate = try! Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: privateKey.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: name,
            subject: name,
            signatureAlgorithm: Self.signatureAlgorithm(for: privateKey),
            extensions: Self.caExtensions(trustDomain: trustDomain, publicKey: privateKey.publicKey, issuerKeyID: nil),
            issuerPrivateKey: privateKey
        )
    }

    private init(trustDomain: TrustDomain, certificate: Certificate, privateKey: Certificate.PrivateKey, upstreamChain: [Certificate]) {
        self.trustDomain = trustDomain
        self.certificate = certificate
        self.privateKey = privateKey
        self.upstreamChain = upstreamChain
    }

    /// An intermediate CA signed by this one.
    package func intermediate(
        notBefore: Date = Date(timeIntervalSinceNow: -3600),
        notAfter: Date = Date(timeIntervalSinceNow: 86400)
    ) -> TestCA {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let certificate = try! Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: key.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: self.certificate.subject,
            subject: Self.name(trustDomain.name + " intermediate \(upstreamChain.count + 1)"),
            signatureAlgorithm: Self.signatureAlgorithm(for: privateKey),
            extensions: Self.caExtensions(trustDomain: trustDomain, publicKey: key.publicKey, issuerKeyID: keyID),
            issuerPrivateKey: privateKey
        )
        return TestCA(trustDomain: trustDomain, certificate: certificate, privateKey: key, upstreamChain: [self.certificate] + upstreamChain)
    }

    /// The bundle holding the root of this CA's chain.
    package var bundle: X509Bundle {
        X509Bundle(trustDomain: trustDomain, x509Authorities: [upstreamChain.last ?? certificate])
    }

    /// Builds a leaf with the given shape, signed by this CA. Returns the chain (leaf, then this CA when it is an
    /// intermediate, then further intermediates, never the root) and the leaf key.
    package func makeLeaf(_ shape: LeafShape) -> (chain: [Certificate], key: Certificate.PrivateKey) {
        let key = shape.privateKey ?? Certificate.PrivateKey(P256.Signing.PrivateKey())
        let leaf = try! Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: key.publicKey,
            notValidBefore: shape.notBefore,
            notValidAfter: shape.notAfter,
            issuer: certificate.subject,
            subject: Self.name(shape.commonName),
            signatureAlgorithm: Self.signatureAlgorithm(for: privateKey),
            extensions: try! Certificate.Extensions(shape.extensions(authorityKeyID: keyID, publicKey: key.publicKey)),
            issuerPrivateKey: privateKey
        )
        let intermediates = upstreamChain.isEmpty ? [] : [certificate] + upstreamChain.dropLast()
        return ([leaf] + intermediates, key)
    }

    /// A valid X509-SVID for `id`.
    package func makeSVID(_ id: SPIFFEID, notAfter: Date = Date(timeIntervalSinceNow: 3600)) -> X509SVID {
        var shape = LeafShape(uris: [id.string])
        shape.notAfter = notAfter
        let (chain, key) = makeLeaf(shape)
        return try! X509SVID(certificates: chain, privateKey: key)
    }

    private var keyID: ArraySlice<UInt8> {
        (try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier) ?? []
    }

    static func name(_ commonName: String) -> DistinguishedName {
        try! DistinguishedName {
            CountryName("US")
            OrganizationName("Steeple tests")
            CommonName(commonName)
        }
    }

    static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        key.supportedSignatureAlgorithms.contains(.ecdsaWithSHA256) ? .ecdsaWithSHA256 : .sha256WithRSAEncryption
    }

    static func keyIdentifier(of publicKey: Certificate.PublicKey) -> SubjectKeyIdentifier {
        SubjectKeyIdentifier(hash: publicKey)
    }

    private static func caExtensions(
        trustDomain: TrustDomain,
        publicKey: Certificate.PublicKey,
        issuerKeyID: ArraySlice<UInt8>?
    ) -> Certificate.Extensions {
        try! Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
            if let issuerKeyID {
                AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
            }
            SubjectAlternativeNames([.uniformResourceIdentifier(trustDomain.idString)])
        }
    }
}
