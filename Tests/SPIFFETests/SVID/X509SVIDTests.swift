import Crypto
import SPIFFE
import SPIFFETestSupport
import SwiftASN1
import Testing
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("X509SVID")
struct X509SVIDTests {
    static let ca = TestCA(trustDomain: try! TrustDomain("example.org"))
    static let id = "spiffe://example.org/workload"

    /// One fixture per rule of SPEC §2, named for its defect.
    struct Defect: Sendable, CustomTestStringConvertible {
        let name: String
        let code: SPIFFEError.Code
        let mutate: @Sendable (inout LeafShape) -> Void
        var testDescription: String { name }
    }

    static let defects: [Defect] = [
        Defect(name: "leaf-without-uri-san", code: .uriSANCount) { $0.uris = [] },
        Defect(name: "leaf-with-two-uri-sans", code: .uriSANCount) { $0.uris = [id, "spiffe://example.org/other"] },
        Defect(name: "leaf-with-non-spiffe-uri-san", code: .uriSANCount) { $0.uris = ["https://example.org/workload"] },
        Defect(name: "leaf-with-uppercase-scheme", code: .uriSANCount) { $0.uris = ["SPIFFE://example.org/workload"] },
        Defect(name: "leaf-with-trust-domain-id", code: .leafIDWithoutPath) { $0.uris = ["spiffe://example.org"] },
        Defect(name: "leaf-without-basic-constraints", code: .leafBasicConstraints) { $0.basicConstraints = nil },
        Defect(name: "leaf-with-ca-true", code: .leafBasicConstraints) {
            $0.basicConstraints = .isCertificateAuthority(maxPathLength: nil)
        },
        Defect(name: "leaf-without-key-usage", code: .leafKeyUsage) { $0.keyUsage = nil },
        Defect(name: "leaf-with-non-critical-key-usage", code: .leafKeyUsage) { $0.keyUsageCritical = false },
        Defect(name: "leaf-without-digital-signature", code: .leafKeyUsage) {
            $0.keyUsage = KeyUsage(keyEncipherment: true, keyAgreement: true)
        },
        Defect(name: "leaf-with-key-cert-sign", code: .leafKeyUsage) {
            $0.keyUsage = KeyUsage(digitalSignature: true, keyCertSign: true)
        },
        Defect(name: "leaf-with-crl-sign", code: .leafKeyUsage) {
            $0.keyUsage = KeyUsage(digitalSignature: true, cRLSign: true)
        },
    ]

    @Test("rejects each defective leaf with the code of its rule", arguments: defects)
    func rejectsDefect(_ defect: Defect) {
        var shape = LeafShape(uris: [Self.id])
        defect.mutate(&shape)
        let (chain, key) = Self.ca.makeLeaf(shape)
        let error = #expect(throws: SPIFFEError.self) { try X509SVID(certificates: chain, privateKey: key) }
        #expect(error?.code == defect.code)
        let fromDER = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainDER: chain.flatMap(Self.der), privateKeyDER: try key.serializeAsPEM().derBytes)
        }
        #expect(fromDER?.code == defect.code)
    }

    @Test("accepts a leaf shaped as SPIRE's, with and without EKU, DNS SANs or a critical SAN")
    func acceptsValidShapes() throws {
        var shapes = [LeafShape(uris: [Self.id])]
        shapes.append(LeafShape(uris: [Self.id]))
        shapes[1].extendedKeyUsages = []
        shapes.append(LeafShape(uris: [Self.id]))
        shapes[2].dnsNames = ["web.example.org", "web"]
        shapes[2].sanCritical = true
        shapes.append(LeafShape(uris: [Self.id]))
        shapes[3].keyUsage = KeyUsage(digitalSignature: true)
        for shape in shapes {
            let (chain, key) = Self.ca.makeLeaf(shape)
            let svid = try X509SVID(certificates: chain, privateKey: key, hint: "internal")
            #expect(svid.id.string == Self.id)
            #expect(svid.hint == "internal")
            #expect(svid.leaf == chain[0])
        }
    }

    @Test("rejects a key that belongs to another certificate")
    func rejectsKeyMismatch() {
        let (chain, _) = Self.ca.makeLeaf(LeafShape(uris: [Self.id]))
        let other = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let error = #expect(throws: SPIFFEError.self) { try X509SVID(certificates: chain, privateKey: other) }
        #expect(error?.code == .privateKeyMismatch)
    }

    @Test("rejects an empty chain")
    func rejectsEmptyChain() {
        let error = #expect(throws: SPIFFEError.self) {
            try X509SVID(certificates: [], privateKey: Certificate.PrivateKey(P256.Signing.PrivateKey()))
        }
        #expect(error?.code == .emptyCertificateChain)
        let fromDER = #expect(throws: SPIFFEError.self) { try X509SVID(chainDER: [UInt8](), privateKeyDER: [1, 2]) }
        #expect(fromDER?.code == .emptyCertificateChain)
    }

    @Test("rejects an intermediate that is not a CA with keyCertSign")
    func rejectsNonCAIntermediate() throws {
        let (chain, key) = Self.ca.makeLeaf(LeafShape(uris: [Self.id]))
        // A leaf placed where an intermediate belongs: cA=false and no keyCertSign.
        let (otherChain, _) = Self.ca.makeLeaf(LeafShape(uris: ["spiffe://example.org/other"]))
        let error = #expect(throws: SPIFFEError.self) {
            try X509SVID(certificates: chain + otherChain, privateKey: key)
        }
        #expect(error?.code == .signingCertificateConstraints)
    }

    @Test("round-trips the Workload API encoding: concatenated DER chain and PKCS#8 key")
    func derRoundTrip() throws {
        let intermediate = Self.ca.intermediate()
        let svid = intermediate.makeSVID(try SPIFFEID(Self.id))
        #expect(svid.certificates.count == 2)
        let parsed = try X509SVID(chainDER: svid.chainDER, privateKeyDER: svid.privateKeyDER)
        #expect(parsed == svid)
        #expect(parsed.id == svid.id)
        // Certificate.PrivateKey(derBytes:) reads PKCS#8 PrivateKeyInfo only.
        #expect(try Certificate.PrivateKey(derBytes: svid.privateKeyDER) == svid.privateKey)
    }

    @Test("round-trips PEM and also reads SEC1 and RSA keys")
    func pemRoundTrip() throws {
        let svid = Self.ca.makeSVID(try SPIFFEID(Self.id))
        #expect(svid.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let parsed = try X509SVID(chainPEM: svid.chainPEM, privateKeyPEM: svid.privateKeyPEM)
        #expect(parsed == svid)

        let p256 = P256.Signing.PrivateKey()
        var shape = LeafShape(uris: [Self.id])
        shape.privateKey = Certificate.PrivateKey(p256)
        let (chain, _) = Self.ca.makeLeaf(shape)
        let sec1 = try X509SVID(chainPEM: Self.pem(chain), privateKeyPEM: p256.pemRepresentation)
        #expect(sec1.id.string == Self.id)

        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        shape.privateKey = Certificate.PrivateKey(rsa)
        let (rsaChain, _) = Self.ca.makeLeaf(shape)
        let rsaSVID = try X509SVID(chainPEM: Self.pem(rsaChain), privateKeyPEM: rsa.pemRepresentation)
        #expect(rsaSVID.privateKeyDER == Array(rsa.pkcs8DERRepresentation))
        #expect(rsaSVID.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try X509SVID(chainDER: rsaSVID.chainDER, privateKeyDER: rsaSVID.privateKeyDER) == rsaSVID)
    }

    @Test("names malformed certificates, keys and PEM")
    func malformedInput() throws {
        let svid = Self.ca.makeSVID(try SPIFFEID(Self.id))
        let truncated = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainDER: svid.chainDER.dropLast(), privateKeyDER: svid.privateKeyDER)
        }
        #expect(truncated?.code == .malformedCertificate)
        let garbage = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainDER: [0x30, 0x03, 0x02, 0x01, 0x00], privateKeyDER: svid.privateKeyDER)
        }
        #expect(garbage?.code == .malformedCertificate)
        let badKey = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainDER: svid.chainDER, privateKeyDER: [0x30, 0x00])
        }
        #expect(badKey?.code == .malformedPrivateKey)
        let noCertificate = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainPEM: svid.privateKeyPEM, privateKeyPEM: svid.privateKeyPEM)
        }
        #expect(noCertificate?.code == .malformedPEM)
        let notPEM = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainPEM: "-----BEGIN CERTIFICATE-----\n!!!\n", privateKeyPEM: svid.privateKeyPEM)
        }
        #expect(notPEM?.code == .malformedPEM)
        let badKeyPEM = #expect(throws: SPIFFEError.self) {
            try X509SVID(chainPEM: svid.chainPEM, privateKeyPEM: svid.chainPEM)
        }
        #expect(badKeyPEM?.code == .malformedPrivateKey)
    }

    static func der(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    static func pem(_ chain: [Certificate]) -> String {
        chain.map { try! $0.serializeAsPEM().pemString + "\n" }.joined()
    }
}
