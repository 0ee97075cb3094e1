import SPIFFE
import SPIFFETestSupport
import Testing
import X509

@Suite("X509Bundle")
struct X509BundleTests {
    static let td = try! TrustDomain("example.org")

    @Test("round-trips concatenated DER and PEM")
    func roundTrips() throws {
        let a = TestCA(trustDomain: Self.td)
        let b = TestCA(trustDomain: Self.td)
        let bundle = X509Bundle(trustDomain: Self.td, x509Authorities: [a.certificate, b.certificate])
        let fromDER = try X509Bundle(trustDomain: Self.td, derBytes: bundle.derRepresentation)
        #expect(fromDER == bundle)
        let fromPEM = try X509Bundle(trustDomain: Self.td, pem: bundle.pemRepresentation)
        #expect(fromPEM == bundle)
        #expect(bundle.pemRepresentation.split(separator: "-----BEGIN CERTIFICATE-----").count == 2)
        #expect(bundle.contains(a.certificate))
        #expect(try X509Bundle(trustDomain: Self.td, derBytes: [UInt8]()).x509Authorities.isEmpty)
    }

    @Test("rejects padding, truncation and PEM without certificates")
    func rejectsMalformed() throws {
        let der = TestCA(trustDomain: Self.td).bundle.derRepresentation
        for bad in [der + [0], Array(der.dropLast()), [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF], [0x1F, 0x01, 0x00]] {
            let error = #expect(throws: SPIFFEError.self) { try X509Bundle(trustDomain: Self.td, derBytes: bad) }
            #expect(error?.code == .malformedCertificate)
        }
        let error = #expect(throws: SPIFFEError.self) { try X509Bundle(trustDomain: Self.td, pem: "no pem here") }
        #expect(error?.code == .malformedPEM)
    }

    @Test("a set keys bundles by trust domain and never merges them")
    func set() throws {
        let other = try TrustDomain("other.org")
        var set = X509BundleSet([TestCA(trustDomain: Self.td).bundle])
        set.set(TestCA(trustDomain: other).bundle)
        #expect(set.count == 2)
        #expect(set.all.map(\.trustDomain) == [Self.td, other])
        #expect(set.x509Bundle(for: other)?.trustDomain == other)
        set.remove(other)
        #expect(set.x509Bundle(for: other) == nil)
        #expect(TestCA(trustDomain: Self.td).bundle.x509Bundle(for: other) == nil)
    }
}
