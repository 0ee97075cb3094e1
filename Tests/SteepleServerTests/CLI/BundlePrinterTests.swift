import Foundation
import SPIFFE
import SPIFFETestSupport
import SteepleServerAPIProto
import Testing

@testable import steeple_server

@Suite("bundles print and parse as SPIRE's bundle commands do")
struct BundlePrinterTests {
    static let trustDomain = try! TrustDomain("example.org")
    static let ca = TestCA(trustDomain: trustDomain)

    static func bundle(trustDomain: String = "example.org", json: [UInt8]) -> Steeple_Server_V1_Bundle {
        var bundle = Steeple_Server_V1_Bundle()
        bundle.trustDomain = trustDomain
        bundle.spiffeBundleJson = Data(json)
        return bundle
    }

    static var document: [UInt8] {
        SPIFFEBundle(trustDomain: trustDomain, x509Authorities: [ca.certificate], sequenceNumber: 7).jsonRepresentation
    }

    @Test("-format pem prints the X.509 authorities as PEM CERTIFICATE blocks")
    func pem() throws {
        let text = try BundlePrinter.content(Self.bundle(json: Self.document), format: .pem)
        #expect(text == Self.ca.bundle.pemRepresentation)
        #expect(text.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(text.hasSuffix("-----END CERTIFICATE-----\n"))
        #expect(try X509Bundle(trustDomain: Self.trustDomain, pem: text).x509Authorities == [Self.ca.certificate])
    }

    @Test("-format spiffe prints the server's document indented by four spaces, as SPIRE")
    func spiffe() throws {
        let json = #"{"keys":[{"use":"x509-svid","kty":"EC","x5c":["MIIB"]}],"spiffe_sequence":7,"empty":{},"none":[]}"#
        let text = try BundlePrinter.content(Self.bundle(json: Array(json.utf8)), format: .spiffe)
        #expect(text == """
            {
                "keys": [
                    {
                        "use": "x509-svid",
                        "kty": "EC",
                        "x5c": [
                            "MIIB"
                        ]
                    }
                ],
                "spiffe_sequence": 7,
                "empty": {},
                "none": []
            }

            """)
    }

    @Test("a malformed document from the server is reported, naming the trust domain")
    func malformed() throws {
        let error = #expect(throws: CLIError.self) {
            try BundlePrinter.content(Self.bundle(json: Array("{}".utf8)), format: .pem)
        }
        #expect(try #require(error).message.hasPrefix("the server's bundle for example.org is malformed: "))
    }

    @Test("bundle list: each bundle under SPIRE's banner, sorted, separated by a blank line")
    func list() throws {
        let other = TestCA(trustDomain: try TrustDomain("other.org"))
        let otherJSON = SPIFFEBundle(trustDomain: other.trustDomain, x509Authorities: [other.certificate]).jsonRepresentation
        let text = try BundlePrinter.list(
            [Self.bundle(trustDomain: "other.org", json: otherJSON), Self.bundle(json: Self.document)],
            format: .pem
        )
        let stars = String(repeating: "*", count: 40)
        #expect(text == """
            \(stars)
            * example.org
            \(stars)
            \(Self.ca.bundle.pemRepresentation)
            \(stars)
            * other.org
            \(stars)
            \(other.bundle.pemRepresentation)
            """)
    }

    @Test("bundle count: N bundles")
    func count() {
        #expect(BundlePrinter.count(1) == "1 bundle\n")
        #expect(BundlePrinter.count(3) == "3 bundles\n")
    }

    @Test("bundle set: PEM input becomes a SPIFFE bundle document with x509-svid keys")
    func setFromPEM() throws {
        let pem = Array(Self.ca.bundle.pemRepresentation.utf8)
        let bundle = try BundleInput.bundle(trustDomain: Self.trustDomain, data: pem, format: .pem)
        #expect(bundle.trustDomain == "example.org")
        let parsed = try SPIFFEBundle(trustDomain: Self.trustDomain, json: bundle.spiffeBundleJson)
        #expect(parsed.x509Authorities == [Self.ca.certificate])
        #expect(String(decoding: bundle.spiffeBundleJson, as: UTF8.self).contains("\"use\":\"x509-svid\""))
    }

    @Test("bundle set: SPIFFE input is checked and sent as given, with its sequence number")
    func setFromSPIFFE() throws {
        let bundle = try BundleInput.bundle(trustDomain: Self.trustDomain, data: Self.document, format: .spiffe)
        #expect(Array(bundle.spiffeBundleJson) == Self.document)
        #expect(bundle.sequenceNumber == 7)
    }

    @Test("bundle set refuses data that is not valid in its format")
    func setMalformed() throws {
        let pemError = #expect(throws: CLIError.self) {
            try BundleInput.bundle(trustDomain: Self.trustDomain, data: Array("not pem".utf8), format: .pem)
        }
        #expect(try #require(pemError).message.hasPrefix("unable to parse bundle data: "))
        let spiffeError = #expect(throws: CLIError.self) {
            try BundleInput.bundle(trustDomain: Self.trustDomain, data: Array(#"{"nokeys":1}"#.utf8), format: .spiffe)
        }
        #expect(try #require(spiffeError).message.hasPrefix("unable to parse to spiffe bundle: "))
    }
}
