import Crypto
import SPIFFE
@testable import SteepleServer
import SwiftASN1
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("x509pop SAN selectors")
struct X509PoPSANSelectorsTests {
    /// A self-signed certificate with `uris` as its URI SANs.
    func certificate(uris: [String]) throws -> Certificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("node") }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date(), notValidAfter: Date() + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames(uris.map { GeneralName.uniformResourceIdentifier($0) })
            },
            issuerPrivateKey: .init(key))
    }

    @Test("x509pop://<td>/<key>/<value> URI SANs become (key, value), the path decoded as Go's url.URL.Path; other trust domains, schemes and one-part paths do not")
    func pairs() throws {
        let leaf = try certificate(uris: [
            "x509pop://domain.test/cluster/test",
            "x509pop://domain.test/region/eu/west",
            "x509pop://domain.test/team/a%20b?q=1#frag",
            "x509pop://domain.test/lonely",
            "x509pop://other.test/cluster/elsewhere",
            "spiffe://domain.test/cluster/spiffe",
        ])
        let pairs = X509PoPAttestor.sanSelectors(leaf, trustDomain: try TrustDomain("domain.test"))
        #expect(pairs.map { "san:\($0.0):\($0.1)" } == ["san:cluster:test", "san:region:eu/west", "san:team:a b"])
        #expect(X509PoPAttestor.sanSelectors(try certificate(uris: []), trustDomain: try TrustDomain("domain.test")).isEmpty)
    }
}
