import Crypto
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPIProto
import SPIFFEWorkloadAPITestSupport
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Credentials and messages for the fake Workload API, built in-test.
enum Fixtures {
    static let exampleOrg = try! TrustDomain("example.org")
    static let otherOrg = try! TrustDomain("other.org")
    static let ca = TestCA(trustDomain: exampleOrg)
    static let federatedCA = TestCA(trustDomain: otherOrg)
    static let web = try! SPIFFEID("spiffe://example.org/web")
    static let db = try! SPIFFEID("spiffe://example.org/db")
    static let jwtKey = try! JWTSigningKey(P256.Signing.PrivateKey(), keyID: "jwt-kid-1")

    static var jwtBundles: JWTBundleSet {
        JWTBundleSet([JWTBundle(trustDomain: exampleOrg, jwtAuthorities: [jwtKey.keyID: jwtKey.publicKey])])
    }

    /// The wire form of `svid`, with the bundle of `ca`.
    static func item(_ svid: X509SVID, hint: String = "", bundle: X509Bundle = ca.bundle) -> WorkloadAPI_X509SVID {
        FakeWorkloadAPI.wireSVID(svid, hint: hint, bundle: bundle)
    }

    /// A WorkloadAPI_X509SVIDResponse for `items`, with other.org's bundle federated.
    static func x509Response(_ items: [WorkloadAPI_X509SVID]) -> WorkloadAPI_X509SVIDResponse {
        var response = WorkloadAPI_X509SVIDResponse()
        response.svids = items
        response.federatedBundles = [otherOrg.idString: Data(federatedCA.bundle.derRepresentation)]
        return response
    }

    static func x509BundlesResponse() -> WorkloadAPI_X509BundlesResponse {
        var response = WorkloadAPI_X509BundlesResponse()
        response.bundles = [
            exampleOrg.idString: Data(ca.bundle.derRepresentation),
            otherOrg.idString: Data(federatedCA.bundle.derRepresentation),
        ]
        return response
    }

    static func jwtBundlesResponse(_ set: JWTBundleSet = jwtBundles) -> WorkloadAPI_JWTBundlesResponse {
        var response = WorkloadAPI_JWTBundlesResponse()
        for bundle in set.all {
            response.bundles[bundle.trustDomain.idString] = Data(bundle.jwksJSON)
        }
        return response
    }

    /// A leaf for `id` that is a CA: it breaks X509-SVID §4.1, so clients must refuse it.
    static func leafWithCATrue(_ id: SPIFFEID) -> WorkloadAPI_X509SVID {
        var shape = LeafShape(uris: [id.string])
        shape.basicConstraints = .isCertificateAuthority(maxPathLength: nil)
        let (chain, key) = ca.makeLeaf(shape)
        var item = WorkloadAPI_X509SVID()
        item.spiffeID = id.string
        var der = DER.Serializer()
        try! der.serialize(chain[0])
        item.x509Svid = Data(der.serializedBytes)
        item.x509SvidKey = Data(try! key.serializeAsPEM().derBytes)
        item.bundle = Data(ca.bundle.derRepresentation)
        return item
    }
}
