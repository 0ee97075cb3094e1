import Foundation
import SPIFFE
import SPIFFETestSupport
import Crypto
import SwiftASN1
import X509
import Testing

@testable import steeple_server


@Suite("x509 mint prints and writes the SVID as SPIRE does")
struct X509MintTests {
    static let ca = TestCA(trustDomain: try! TrustDomain("example.org"))
    static let svid = ca.makeSVID(try! SPIFFEID("spiffe://example.org/web"))

    static func response() throws -> X509MintResult {
        try X509MintResult(
            checking: try DERSequence.split(svid.chainDER), privateKey: svid.privateKeyDER,
            rootCAs: try DERSequence.split(ca.bundle.derRepresentation))
    }

    @Test("the minted chain, key and authorities print as PEM")
    func pem() throws {
        let result = try Self.response()
        #expect(result.chain.flatMap { $0 } == Self.svid.chainDER)
        #expect(result.svidPEM == Self.svid.chainPEM)
        #expect(result.keyPEM == Self.svid.privateKeyPEM)
        #expect(result.bundlePEM == Self.ca.bundle.pemRepresentation)
        #expect(result.pretty == "X509-SVID:\n\(result.svidPEM)\nPrivate key:\n\(result.keyPEM)\nRoot CAs:\n\(result.bundlePEM)\n")
    }

    @Test("PEM lines are 64 characters, as Go's pem.Encode")
    func pemLines() {
        let text = PEMText.block(type: "CERTIFICATE", der: Array(repeating: 0xAB, count: 100))
        let lines = text.split(separator: "\n")
        #expect(lines.first == "-----BEGIN CERTIFICATE-----")
        #expect(lines.last == "-----END CERTIFICATE-----")
        #expect(lines[1].count == 64)
        #expect(lines.count == 5)
        #expect(text.hasSuffix("\n"))
    }

    @Test("answers without a chain or authorities are refused, as SPIRE")
    func incomplete() throws {
        #expect(throws: CLIError("server response missing SVID chain")) {
            try X509MintResult(checking: [], privateKey: [1], rootCAs: [[0x30, 0x00]])
        }
        #expect(throws: CLIError("server response missing X509 Authorities")) {
            try X509MintResult(checking: [[0x30, 0x00]], privateKey: [1], rootCAs: [])
        }
    }

    @Test("the CSR sent is signed by the key made here and names the SPIFFE ID and the DNS names, as SPIRE's")
    func csr() throws {
        let key = P256.Signing.PrivateKey()
        let der = try X509Mint.csr(id: try SPIFFEID("spiffe://example.org/web"), dnsNames: ["web", "web.local"], key: key)
        let request = try CertificateSigningRequest(derEncoded: der)
        #expect(request.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(request.publicKey.isValidSignature(request.signature, for: request))
        let names = try #require(try request.attributes.extensionRequest?.extensions.subjectAlternativeNames)
        #expect(Array(names) == [GeneralName.uniformResourceIdentifier("spiffe://example.org/web"), .dnsName("web"), .dnsName("web.local")])
    }

    @Test("truncated DER is refused")
    func truncated() throws {
        let der = Array(Self.svid.chainDER.dropLast())
        #expect(throws: CLIError.self) { try DERSequence.split(der) }
        #expect(throws: CLIError.self) { try DERSequence.split([0x30]) }
        #expect(try DERSequence.split([0x30, 0x00, 0x04, 0x01, 0xFF]) == [[0x30, 0x00], [0x04, 0x01, 0xFF]])
    }

    @Test("-output json is SPIRE's base64 DER shape")
    func json() throws {
        let result = X509MintResult(chain: [[1, 2]], privateKey: [3], rootCAs: [[4], [5]])
        #expect(result.json == #"{"x509_svid":["AQI="],"private_key":"Aw==","root_cas":["BA==","BQ=="]}"# + "\n")
    }

    @Test("-write puts svid.pem and bundle.pem (0644) and key.pem (0600) in the directory")
    func write() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-mint-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A key.pem left readable by all must end up private.
        _ = FileManager.default.createFile(atPath: directory + "/key.pem", contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])

        let result = try Self.response()
        let paths = try X509MintWriter.writeFiles(result, into: directory)
        #expect(paths == X509MintWriter.Paths(svid: directory + "/svid.pem", key: directory + "/key.pem", bundle: directory + "/bundle.pem"))
        #expect(try String(contentsOfFile: paths.svid, encoding: .utf8) == result.svidPEM)
        #expect(try String(contentsOfFile: paths.key, encoding: .utf8) == result.keyPEM)
        #expect(try String(contentsOfFile: paths.bundle, encoding: .utf8) == result.bundlePEM)
        #expect(try Self.mode(paths.key) == 0o600)
        #expect(try Self.mode(paths.svid) == 0o644)
        #expect(try Self.mode(paths.bundle) == 0o644)
        #expect(X509MintWriter.report(paths) == "X509-SVID written to \(paths.svid)\nPrivate key written to \(paths.key)\nRoot CAs written to \(paths.bundle)\n")
    }

    @Test("-write into a missing directory fails, naming the file")
    func writeMissingDirectory() throws {
        let error = #expect(throws: CLIError.self) {
            try X509MintWriter.writeFiles(X509MintResult(chain: [[0x30, 0x00]], privateKey: [1], rootCAs: [[0x30, 0x00]]), into: "/nonexistent-steeple-dir")
        }
        #expect(try #require(error).message.hasPrefix("unable to write SVID: /nonexistent-steeple-dir/svid.pem: "))
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}
