import Crypto
import SPIFFE
import SPIFFECA
import SPIFFETestSupport
import SwiftASN1
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Nested servers, upstream side: the CA a downstream server gets from `NewDownstreamX509CA`.
@Suite("Downstream X.509 CA")
struct DownstreamX509CATests {
    static let td = try! TrustDomain("example.org")
    static let subject = try! DistinguishedName { CountryName("US"); OrganizationName("SPIFFE") }

    static func csr(for key: Certificate.PrivateKey) throws -> [UInt8] {
        let request = try CertificateSigningRequest(
            version: .v1, subject: DistinguishedName(), privateKey: key, attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    @Test("a CA for the CSR's key, marked OU=DOWNSTREAM-1, capped at the signing CA, whose SVIDs verify against the upstream root")
    func signsDownstreamCA() async throws {
        let now = Date()
        let upstream = try X509Authority.selfSigned(trustDomain: Self.td, privateKey: CAKeyType.ecP256.generate(), subject: Self.subject, ttl: .seconds(3600), now: now)
        let issuer = Issuer(
            x509: CertificateAuthority(trustDomain: Self.td, x509Authority: upstream),
            jwtKey: try JWTSigningKey(CAKeyType.ecP256.generate(), keyID: "k"), jwtKeyNotAfter: now + 3600,
            policy: IssuancePolicy(x509SVIDTTL: .seconds(300), jwtSVIDTTL: .seconds(300), agentSVIDTTL: .seconds(300), x509CATTL: .seconds(1800)),
            clock: { now })
        let downstreamKey = CAKeyType.ecP256.generate()
        let chain = try issuer.signDownstreamX509CA(DownstreamX509CARequest(csr: try Self.csr(for: downstreamKey)))
        #expect(chain.count == 1, "a self-signed upstream has no chain above the new CA")
        let ca = chain[0]
        #expect(ca.publicKey == downstreamKey.publicKey)
        #expect(ca.issuer == upstream.certificate.subject)
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
        #expect(try ca.extensions.subjectAlternativeNames == SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://example.org")]))
        #expect(ca.subject.description.contains("OU=DOWNSTREAM-1"), "\(ca.subject)")
        #expect(ca.subject != upstream.certificate.subject)
        #expect(abs(ca.notValidAfter.timeIntervalSince(now + 1800)) < 1, "ca_ttl of the upstream when the request asks for none")

        // A preferred TTL past the signing CA is capped at its end.
        let long = try issuer.signDownstreamX509CA(DownstreamX509CARequest(csr: try Self.csr(for: downstreamKey), ttl: .seconds(86400)))
        #expect(long[0].notValidAfter == upstream.notAfter)

        // The downstream signs workload SVIDs that verify against the upstream root alone.
        let downstream = CertificateAuthority(
            trustDomain: Self.td, x509Authority: X509Authority(certificate: ca, privateKey: downstreamKey, upstreamChain: chain, roots: [upstream.certificate]))
        let leafKey = P256.Signing.PrivateKey()
        let svid = try downstream.signX509SVID(
            X509SVIDParameters(spiffeID: try SPIFFEID("spiffe://example.org/cluster-b/web"), publicKey: .init(leafKey.publicKey), ttl: .seconds(300)), now: now)
        #expect(svid.count == 2)
        let verified = try await X509SVIDVerifier.verify(chain: svid, bundles: X509Bundle(trustDomain: Self.td, x509Authorities: [upstream.certificate]), at: now)
        #expect(verified.chain.last == upstream.certificate)

        // One level further down: DOWNSTREAM-2, and the chain carries both CAs.
        let grandchildKey = CAKeyType.ecP256.generate()
        let grandchild = try downstream.signDownstreamX509CA(publicKey: grandchildKey.publicKey, ttl: .seconds(600), now: now)
        #expect(grandchild.count == 2 && grandchild[1] == ca)
        #expect(grandchild[0].subject.description.contains("OU=DOWNSTREAM-2"), "\(grandchild[0].subject)")
    }

    @Test("refuses a CSR whose signature does not verify, an expired signing CA and a TTL of zero")
    func refusals() throws {
        let now = Date()
        let upstream = try X509Authority.selfSigned(trustDomain: Self.td, privateKey: CAKeyType.ecP256.generate(), subject: Self.subject, ttl: .seconds(3600), now: now)
        let ca = CertificateAuthority(trustDomain: Self.td, x509Authority: upstream)
        var tampered = try Self.csr(for: CAKeyType.ecP256.generate())
        tampered[tampered.count - 5] ^= 0xFF
        #expect(throws: CAError(.invalidCSR, "")) { _ = try CertificateAuthority.publicKey(fromCSR: tampered) }
        let key = CAKeyType.ecP256.generate().publicKey
        #expect(throws: CAError(.authorityExpired, "")) { _ = try ca.signDownstreamX509CA(publicKey: key, ttl: .seconds(60), now: now + 7200) }
        #expect(throws: CAError(.invalidParameters, "")) { _ = try ca.signDownstreamX509CA(publicKey: key, ttl: .zero, now: now) }
    }
}
