import Crypto
import SPIFFE
import SPIFFETestSupport
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("X509SVIDVerifier")
struct X509SVIDVerifierTests {
    static let td = try! TrustDomain("example.org")
    static let otherTD = try! TrustDomain("other.org")
    static let id = try! SPIFFEID("spiffe://example.org/workload")

    @Test("verifies a leaf signed by the root and returns its ID and chain")
    func verifiesDirectLeaf() async throws {
        let ca = TestCA(trustDomain: Self.td)
        let svid = ca.makeSVID(Self.id)
        let result = try await X509SVIDVerifier.verify(chain: svid.certificates, bundles: ca.bundle, at: Date())
        #expect(result.id == Self.id)
        #expect(result.chain == [svid.leaf, ca.certificate])
    }

    @Test("verifies a chain through two intermediates")
    func verifiesThroughIntermediates() async throws {
        let root = TestCA(trustDomain: Self.td)
        let svid = root.intermediate().intermediate().makeSVID(Self.id)
        #expect(svid.certificates.count == 3)
        let raw = svid.certificates.map(X509SVIDTests.der)
        let result = try await X509SVIDVerifier.verify(rawChain: raw, bundles: root.bundle, at: Date())
        #expect(result.chain.count == 4)
        #expect(result.chain.last == root.certificate)
    }

    @Test("uses only the bundle of the leaf's own trust domain")
    func neverPoolsBundles() async throws {
        let ours = TestCA(trustDomain: Self.td)
        let theirs = TestCA(trustDomain: Self.otherTD)
        // A leaf claiming example.org but signed by other.org's CA must fail even though other.org's bundle is
        // in the set: bundles of different trust domains are never pooled.
        let forged = TestCA(trustDomain: Self.otherTD, privateKey: theirs.privateKey)
        let (chain, _) = forged.makeLeaf(LeafShape(uris: [Self.id.string]))
        let set = X509BundleSet([ours.bundle, theirs.bundle])
        let error = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: chain, bundles: set, at: Date())
        }
        #expect(error?.code == .untrustedCertificateChain)

        let missing = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: ours.makeSVID(Self.id).certificates, bundles: theirs.bundle, at: Date())
        }
        #expect(missing?.code == .noBundleForTrustDomain)
    }

    @Test("rejects expired and not-yet-valid certificates at the given time")
    func checksTime() async throws {
        let ca = TestCA(trustDomain: Self.td)
        let svid = ca.makeSVID(Self.id, notAfter: Date(timeIntervalSinceNow: 600))
        let later = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: svid.certificates, bundles: ca.bundle, at: Date(timeIntervalSinceNow: 1200))
        }
        #expect(later?.code == .certificateExpired)
        let earlier = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: svid.certificates, bundles: ca.bundle, at: Date(timeIntervalSinceNow: -7200))
        }
        #expect(earlier?.code == .certificateNotYetValid)
        // The root expired although the leaf is within its own validity.
        let shortRoot = TestCA(trustDomain: Self.td, notAfter: Date(timeIntervalSinceNow: 60))
        let leaf = shortRoot.makeSVID(Self.id, notAfter: Date(timeIntervalSinceNow: 3600))
        let rootExpired = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: leaf.certificates, bundles: shortRoot.bundle, at: Date(timeIntervalSinceNow: 120))
        }
        #expect(rootExpired?.code == .untrustedCertificateChain)
    }

    @Test("rejects a bundle with no authorities and a chain from an unrelated CA")
    func rejectsUntrusted() async throws {
        let ca = TestCA(trustDomain: Self.td)
        let stranger = TestCA(trustDomain: Self.td)
        let svid = stranger.makeSVID(Self.id)
        let empty = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(
                chain: svid.certificates,
                bundles: X509Bundle(trustDomain: Self.td, x509Authorities: []),
                at: Date()
            )
        }
        #expect(empty?.code == .untrustedCertificateChain)
        let unrelated = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: svid.certificates, bundles: ca.bundle, at: Date())
        }
        #expect(unrelated?.code == .untrustedCertificateChain)
    }

    @Test("applies the SVID shape rules to a presented chain")
    func appliesShapeRules() async throws {
        let ca = TestCA(trustDomain: Self.td)
        var shape = LeafShape(uris: [Self.id.string])
        shape.basicConstraints = .isCertificateAuthority(maxPathLength: nil)
        let (chain, _) = ca.makeLeaf(shape)
        let error = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(chain: chain, bundles: ca.bundle, at: Date())
        }
        #expect(error?.code == .leafBasicConstraints)
        let malformed = await #expect(throws: SPIFFEError.self) {
            try await X509SVIDVerifier.verify(rawChain: [[0x30, 0x01]], bundles: ca.bundle, at: Date())
        }
        #expect(malformed?.code == .malformedCertificate)
    }
}
