import Crypto
import SPIFFE
@testable import SPIFFECA
import SPIFFETestSupport
import SwiftASN1
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("CertificateAuthority")
struct CertificateAuthorityTests {
    static let td = try! TrustDomain("example.org")
    static let id = try! SPIFFEID("spiffe://example.org/web")
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func makeCA(ttl: Duration = .seconds(86400), keyType: CAKeyType = .ecP256) throws -> CertificateAuthority {
        let subject = try DistinguishedName { CountryName("US"); OrganizationName("SPIFFE") }
        let authority = try X509Authority.selfSigned(
            trustDomain: td, privateKey: keyType.generate(), subject: subject, ttl: ttl, now: now
        )
        return CertificateAuthority(trustDomain: td, x509Authority: authority)
    }

    @Test("a self-signed CA is shaped as SPEC §2.3", arguments: [CAKeyType.ecP256, .ecP384, .rsa2048])
    func caShape(_ keyType: CAKeyType) throws {
        let ca = try Self.makeCA(keyType: keyType)
        let cert = ca.x509Authority.certificate
        #expect(cert.issuer == cert.subject)
        #expect(try cert.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: nil))
        let keyUsage = try #require(try cert.extensions.keyUsage)
        #expect(keyUsage.keyCertSign && keyUsage.cRLSign && !keyUsage.digitalSignature)
        #expect(cert.extensions[oid: .X509ExtensionID.keyUsage]?.critical == true)
        #expect(try cert.extensions.subjectAlternativeNames == SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://example.org")]))
        #expect(cert.notValidBefore == Self.now.addingTimeInterval(-10))
        #expect(cert.notValidAfter == Self.now.addingTimeInterval(86400))
        #expect(cert.subject.description.contains("SERIALNUMBER=") || cert.subject.description.contains("2.5.4.5="))
        #expect(ca.x509Authority.roots == [cert])
        #expect(ca.x509Authority.keyIdentifierHex.count == 40)
    }

    @Test("issues an X509-SVID shaped as SPEC §2.2 that verifies against the bundle")
    func issuesSVID() async throws {
        let ca = try Self.makeCA()
        let key = P256.Signing.PrivateKey()
        let chain = try ca.signX509SVID(
            X509SVIDParameters(spiffeID: Self.id, publicKey: .init(key.publicKey), ttl: .seconds(3600), dnsNames: ["web.example.org", "web"]),
            now: Self.now
        )
        #expect(chain.count == 1)
        let leaf = chain[0]
        let svid = try X509SVID(certificates: chain, privateKey: .init(key))
        #expect(svid.id == Self.id)
        #expect(leaf.notValidBefore == Self.now.addingTimeInterval(-10))
        #expect(leaf.notValidAfter == Self.now.addingTimeInterval(3600))
        #expect(try leaf.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth, .clientAuth]))
        let keyUsage = try #require(try leaf.extensions.keyUsage)
        #expect(keyUsage.digitalSignature && keyUsage.keyEncipherment && keyUsage.keyAgreement)
        #expect(try leaf.extensions.subjectAlternativeNames == SubjectAlternativeNames([
            .uniformResourceIdentifier(Self.id.string), .dnsName("web.example.org"), .dnsName("web"),
        ]))
        #expect(leaf.subject.description.contains("CN=web.example.org"))
        #expect(try leaf.extensions.authorityKeyIdentifier?.keyIdentifier == ca.x509Authority.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
        let bundle = X509Bundle(trustDomain: Self.td, x509Authorities: ca.x509Authority.roots)
        let verified = try await X509SVIDVerifier.verify(chain: chain, bundles: bundle, at: Self.now)
        #expect(verified.id == Self.id)
        // Serial numbers are random positive 128-bit values.
        #expect(leaf.serialNumber.bytes.count <= 17)
        let other = try ca.signX509SVID(X509SVIDParameters(spiffeID: Self.id, publicKey: .init(key.publicKey), ttl: .seconds(60)), now: Self.now)
        #expect(other[0].serialNumber != leaf.serialNumber)
    }

    @Test("caps the SVID lifetime at the authority's end of validity")
    func capsTTL() throws {
        let ca = try Self.makeCA(ttl: .seconds(600))
        let key = P256.Signing.PrivateKey()
        let chain = try ca.signX509SVID(X509SVIDParameters(spiffeID: Self.id, publicKey: .init(key.publicKey), ttl: .seconds(3600)), now: Self.now)
        #expect(chain[0].notValidAfter == ca.x509Authority.notAfter)
    }

    @Test("refuses IDs of another trust domain, IDs without a path, bad TTLs and an expired authority")
    func refusesBadParameters() throws {
        let ca = try Self.makeCA()
        let publicKey = Certificate.PublicKey(P256.Signing.PrivateKey().publicKey)
        let cases: [(X509SVIDParameters, Date, CAError.Code)] = [
            (X509SVIDParameters(spiffeID: try SPIFFEID("spiffe://other.org/web"), publicKey: publicKey, ttl: .seconds(60)), Self.now, .invalidParameters),
            (X509SVIDParameters(spiffeID: try SPIFFEID("spiffe://example.org"), publicKey: publicKey, ttl: .seconds(60)), Self.now, .invalidParameters),
            (X509SVIDParameters(spiffeID: Self.id, publicKey: publicKey, ttl: .zero), Self.now, .invalidParameters),
            (X509SVIDParameters(spiffeID: Self.id, publicKey: publicKey, ttl: .seconds(60)), Self.now.addingTimeInterval(86401), .authorityExpired),
        ]
        for (parameters, time, code) in cases {
            let error = #expect(throws: CAError.self) { try ca.signX509SVID(parameters, now: time) }
            #expect(error?.code == code)
        }
        try ca.checkHonourable(ttl: .seconds(86400), kind: "X509-SVID")
        let error = #expect(throws: CAError.self) { try ca.checkHonourable(ttl: .seconds(86411), kind: "X509-SVID") }
        #expect(error?.code == .ttlNotHonourable)
    }

    @Test("reads the public key of a CSR and refuses a tampered or malformed one")
    func csr() throws {
        let key = P256.Signing.PrivateKey()
        let csr = try CertificateSigningRequest(
            version: .v1,
            subject: try DistinguishedName { CommonName("agent") },
            privateKey: .init(key),
            attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: .ecdsaWithSHA256
        )
        var serializer = DER.Serializer()
        try serializer.serialize(csr)
        let der = serializer.serializedBytes
        #expect(try CertificateAuthority.publicKey(fromCSR: der) == Certificate.PublicKey(key.publicKey))
        var tampered = der
        // Flip a bit inside the subject's common name: the self-signature no longer matches.
        let index = try #require(tampered.firstIndex(of: UInt8(ascii: "a")))
        tampered[index] ^= 0x01
        let error = #expect(throws: CAError.self) { try CertificateAuthority.publicKey(fromCSR: tampered) }
        #expect(error?.code == .invalidCSR)
        let malformed = #expect(throws: CAError.self) { try CertificateAuthority.publicKey(fromCSR: [0x30, 0x00]) }
        #expect(malformed?.code == .invalidCSR)
    }

    @Test("the validator stops a credential that carries the wrong ID or is not valid now")
    func validatorRejects() throws {
        let ca = try Self.makeCA()
        let key = P256.Signing.PrivateKey()
        let chain = try ca.signX509SVID(X509SVIDParameters(spiffeID: Self.id, publicKey: .init(key.publicKey), ttl: .seconds(60)), now: Self.now)
        let wrongID = #expect(throws: CAError.self) {
            try IssuedCredentialValidator.validateX509SVID(chain: chain, expectedID: try SPIFFEID("spiffe://example.org/db"), now: Self.now)
        }
        #expect(wrongID?.code == .issuedCredentialInvalid)
        let late = #expect(throws: CAError.self) {
            try IssuedCredentialValidator.validateX509SVID(chain: chain, expectedID: Self.id, now: Self.now.addingTimeInterval(61))
        }
        #expect(late?.code == .issuedCredentialInvalid)
        let testCA = TestCA(trustDomain: Self.td)
        var shape = LeafShape(uris: [Self.id.string])
        shape.extendedKeyUsages = [.clientAuth]
        let clientOnly = testCA.makeLeaf(shape).chain
        let eku = #expect(throws: CAError.self) {
            try IssuedCredentialValidator.validateX509SVID(chain: clientOnly, expectedID: Self.id, now: Date())
        }
        #expect(eku?.code == .issuedCredentialInvalid)
        shape = LeafShape(uris: [Self.id.string])
        shape.basicConstraints = nil
        let noBasicConstraints = testCA.makeLeaf(shape).chain
        let shapeError = #expect(throws: CAError.self) {
            try IssuedCredentialValidator.validateX509SVID(chain: noBasicConstraints, expectedID: Self.id, now: Date())
        }
        #expect(shapeError?.code == .issuedCredentialInvalid)
    }

    @Test("key types parse by SPIRE's names and refuse others")
    func keyTypes() throws {
        for name in ["ec-p256", "ec-p384", "rsa-2048", "rsa-4096"] {
            #expect(try CAKeyType(name).description == name)
        }
        let error = #expect(throws: CAError.self) { try CAKeyType("ed25519") }
        #expect(error?.code == .unsupportedKeyType)
    }
}
