import SPIFFE
import SPIFFETestSupport
import SteepleDatastore
@testable import SteepleServer
import SteepleTestSupport
import SwiftASN1
import Testing
import X509
import _CryptoExtras

import Foundation

/// `aws_iid`'s keys: AWS's certificates built in and chosen by region as SPIRE chooses, and certificates of
/// `aws_ca_certificate_path` with 1024-bit RSA keys, as most of AWS's are.
@Suite("aws_iid certificates")
struct AWSIIDCertificatesTests {
    @Test("every built-in certificate gives its key: RSA-1024 for the plain signature (a region of its own, else AWS's general one), RSA-2048 for the PKCS #7; a region without an RSA-2048 certificate is refused naming it")
    func builtIn() throws {
        #expect(AWSInstanceIdentityCertificates.rsa1024.count >= 30 && AWSInstanceIdentityCertificates.rsa2048.count >= 30, "AWS's regions")
        for region in AWSInstanceIdentityCertificates.rsa1024.keys {
            let keys = try AWSIIDCertificates.builtIn.keys(region: region, rsa2048: false)
            #expect(keys.count == 1 && keys[0].keySizeInBits >= 1024, "\(region)")
        }
        for region in AWSInstanceIdentityCertificates.rsa2048.keys {
            let keys = try AWSIIDCertificates.builtIn.keys(region: region, rsa2048: true)
            #expect(keys.count == 1 && keys[0].keySizeInBits == 2048, "\(region)")
        }
        // A region without an RSA-1024 certificate of its own: AWS's general one, a 1024-bit key.
        #expect(AWSInstanceIdentityCertificates.rsa1024["mars-north-1"] == nil)
        let general = try AWSIIDCertificates.builtIn.keys(region: "mars-north-1", rsa2048: false)
        #expect(general.first?.keySizeInBits == 1024)
        #expect(general.first?.derRepresentation == (try AWSIIDCertificates.keys(pem: AWSInstanceIdentityCertificates.rsa1024Default)).first?.derRepresentation)
        // swift-certificates refuses such keys, which is why the key is read from the certificate directly.
        #expect(throws: (any Error).self) { try Certificate(pemEncoded: AWSInstanceIdentityCertificates.rsa1024Default) }
        #expect {
            try AWSIIDCertificates.builtIn.keys(region: "mars-north-1", rsa2048: true)
        } throws: { "\($0)".contains("failed to load the AWS CA certificate for region \"mars-north-1\": unsupported region \"mars-north-1\"") }
    }

    @Test("with the built-in certificates, a document signed by another key is refused for the plain signature and for the PKCS #7")
    func builtInRefusesOtherKeys() async throws {
        let forger = try TestCloudIssuer()
        let attestor = AWSIIDAttestor(
            trustDomain: CloudNodeAttestorTests.trustDomain, certificates: .builtIn, accountIDsForLocalValidation: ["123456789012"], skipBlockDevice: false,
            pathTemplate: try AgentPathTemplate("/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}", fields: AWSIIDAttestor.templateFields),
            nodes: try await CloudNodeAttestorTests.store())
        let document = CloudNodeAttestorTests.awsDocument()
        let plain = await CloudNodeAttestorTests.refusal {
            try await attestor.attest(payload: try CloudNodeAttestorTests.awsPayload(document: document, signature: try forger.awsSignature(document: document))) { _ in [] }
        }
        #expect(plain.contains("failed to verify the cryptographic signature: crypto/rsa: verification error"), "\(plain)")
        let pkcs7 = await CloudNodeAttestorTests.refusal {
            try await attestor.attest(payload: try CloudNodeAttestorTests.awsPayload(document: document, signature: "", rsa2048: try forger.awsRSA2048Signature(document: document))) { _ in [] }
        }
        #expect(pkcs7.contains("failed verification of instance identity cryptographic signature"), "\(pkcs7)")
    }

    @Test("aws_ca_certificate_path with a 1024-bit RSA certificate, as AWS's: a document its key signed (openssl) attests; one signed by another 1024-bit key is refused", .enabled(if: ChildProcess.hasOpenSSL, "needs /usr/bin/openssl"))
    func rsa1024Configured() async throws {
        let directory = NSTemporaryDirectory() + "steeple-aws-1024-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let document = CloudNodeAttestorTests.awsDocument()
        try document.write(toFile: directory + "/document", atomically: true, encoding: .utf8)
        func signer(_ name: String) throws -> (pem: String, signature: String) {
            let made = try runToolBlocking("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).pem", "-days", "1",
                "-subj", "/C=US/ST=Washington State/L=Seattle/O=Amazon Web Services LLC",
            ])
            try #require(made.status == 0, "\(made.output)")
            let signed = try runToolBlocking("/usr/bin/openssl", ["dgst", "-sha256", "-sign", "\(directory)/\(name).key", "-out", "\(directory)/\(name).sig", "\(directory)/document"])
            try #require(signed.status == 0, "\(signed.output)")
            let signature = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name).sig")).base64EncodedString()
            return (try String(contentsOfFile: "\(directory)/\(name).pem", encoding: .utf8), signature)
        }
        let aws = try signer("aws")
        let other = try signer("other")
        let keys = try AWSIIDCertificates.keys(pem: aws.pem)
        #expect(keys.map(\.keySizeInBits) == [1024])
        let attestor = AWSIIDAttestor(
            trustDomain: CloudNodeAttestorTests.trustDomain, certificates: .configured(keys), accountIDsForLocalValidation: ["123456789012"], skipBlockDevice: false,
            pathTemplate: try AgentPathTemplate("/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}", fields: AWSIIDAttestor.templateFields),
            nodes: try await CloudNodeAttestorTests.store())
        let refused = await CloudNodeAttestorTests.refusal {
            try await attestor.attest(payload: try CloudNodeAttestorTests.awsPayload(document: document, signature: other.signature)) { _ in [] }
        }
        #expect(refused.contains("crypto/rsa: verification error"), "\(refused)")
        let result = try await attestor.attest(payload: try CloudNodeAttestorTests.awsPayload(document: document, signature: aws.signature)) { _ in [] }
        #expect(result.agentID.description == "spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0123456789abcdef0")
    }
}
