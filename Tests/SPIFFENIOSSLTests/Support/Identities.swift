import SPIFFE
import SPIFFETestSupport

/// Trust domains, CAs and IDs built in-test.
enum Identities {
    static let exampleOrg = try! TrustDomain("example.org")
    static let otherOrg = try! TrustDomain("other.org")
    static let ca = TestCA(trustDomain: exampleOrg)
    static let otherCA = TestCA(trustDomain: otherOrg)
    static let server = try! SPIFFEID("spiffe://example.org/server")
    static let client = try! SPIFFEID("spiffe://example.org/client")
    static let intruder = try! SPIFFEID("spiffe://example.org/intruder")
    static let foreignClient = try! SPIFFEID("spiffe://other.org/client")

    /// A source presenting a new SVID for `id` (signed by `ca`) and trusting example.org only.
    static func source(_ id: SPIFFEID, ca: TestCA = ca) -> MutableX509Source {
        MutableX509Source(svid: ca.makeSVID(id), bundles: X509BundleSet([Self.ca.bundle]))
    }
}
