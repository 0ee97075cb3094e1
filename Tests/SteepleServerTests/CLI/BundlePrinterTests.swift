import Foundation
import SPIFFE
import SPIFFETestSupport
import SPIREAPIProto
import Testing

@testable import steeple_server

@Suite("bundles print and parse as SPIRE's bundle commands do")
struct BundlePrinterTests {
    static let trustDomain = try! TrustDomain("example.org")
    static let ca = TestCA(trustDomain: trustDomain)

    static var document: SPIFFEBundle {
        SPIFFEBundle(trustDomain: trustDomain, x509Authorities: [ca.certificate], sequenceNumber: 7)
    }

    @Test("-format pem prints the X.509 authorities as PEM CERTIFICATE blocks")
    func pem() throws {
        let text = try BundlePrinter.content(Self.document.spireProto, format: .pem)
        #expect(text == Self.ca.bundle.pemRepresentation)
        #expect(text.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(text.hasSuffix("-----END CERTIFICATE-----\n"))
        #expect(try X509Bundle(trustDomain: Self.trustDomain, pem: text).x509Authorities == [Self.ca.certificate])
    }

    @Test("-format spiffe prints the bundle's SPIFFE document indented by four spaces, as SPIRE")
    func spiffe() throws {
        let text = try BundlePrinter.content(Self.document.spireProto, format: .spiffe)
        #expect(text == JSONIndenter.indent(Self.document.jsonRepresentation) + "\n")
        #expect(text.hasPrefix("{\n    \"keys\": [\n        {\n"))
        #expect(text.contains("\n    \"spiffe_sequence\": 7"))
        #expect(try SPIFFEBundle(trustDomain: Self.trustDomain, json: Array(text.utf8)) == Self.document)
    }

    @Test("a malformed bundle from the server is reported, naming the trust domain and the field")
    func malformed() throws {
        var bundle = Self.document.spireProto
        bundle.x509Authorities[0].asn1 = Data("junk".utf8)
        let error = #expect(throws: CLIError.self) {
            try BundlePrinter.content(bundle, format: .pem)
        }
        #expect(try #require(error).message.hasPrefix("the server's bundle for example.org is malformed: x509_authorities[0] is not a DER certificate"))
    }

    @Test("bundle list: each bundle under SPIRE's banner, sorted, separated by a blank line")
    func list() throws {
        let other = TestCA(trustDomain: try TrustDomain("other.org"))
        let otherBundle = SPIFFEBundle(trustDomain: other.trustDomain, x509Authorities: [other.certificate]).spireProto
        let text = try BundlePrinter.list(
            [otherBundle, Self.document.spireProto],
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

    @Test("bundle set: PEM input becomes a bundle of those X.509 authorities")
    func setFromPEM() throws {
        let pem = Array(Self.ca.bundle.pemRepresentation.utf8)
        let bundle = try BundleInput.bundle(trustDomain: Self.trustDomain, data: pem, format: .pem)
        #expect(bundle.trustDomain == "example.org")
        #expect(bundle.x509Authorities.map { Array($0.asn1) } == [Self.ca.certificate.spiffeDERBytes])
        #expect(bundle.jwtAuthorities.isEmpty)
    }

    @Test("bundle set: SPIFFE input gives its authorities and sequence number")
    func setFromSPIFFE() throws {
        let bundle = try BundleInput.bundle(trustDomain: Self.trustDomain, data: Self.document.jsonRepresentation, format: .spiffe)
        #expect(try SPIFFEBundle(spireBundle: bundle) == Self.document)
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
