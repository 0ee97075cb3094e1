import Crypto
import SPIFFE
import SPIFFECA
import SPIFFETestSupport
import SteepleSupport
import SwiftASN1
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("DiskUpstreamAuthority")
struct UpstreamAuthorityTests {
    static let td = try! TrustDomain("example.org")

    static func write(_ text: String, _ name: String, in directory: String) throws -> String {
        let path = directory + "/" + name
        try FileIO.writeAtomically(path: path, contents: Array(text.utf8), mode: 0o600)
        return path
    }

    static func pem(_ certificates: [Certificate]) throws -> String {
        try certificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined()
    }

    @Test("the server CA becomes an intermediate whose SVIDs verify against the upstream root")
    func intermediateUnderRoot() async throws {
        let directory = KeyManagerTests.temporaryDirectory()
        let root = TestCA(trustDomain: Self.td)
        let upstreamIntermediate = root.intermediate()
        let certPath = try Self.write(try Self.pem([upstreamIntermediate.certificate, root.certificate]), "upstream.crt", in: directory)
        let keyPath = try Self.write(try upstreamIntermediate.privateKey.serializeAsPEM().pemString, "upstream.key", in: directory)
        let bundlePath = try Self.write(try Self.pem([root.certificate]), "bundle.crt", in: directory)
        let upstream = try DiskUpstreamAuthority(certFilePath: certPath, keyFilePath: keyPath, bundleFilePath: bundlePath)
        let caKey = CAKeyType.ecP256.generate()
        let subject = try DistinguishedName { CountryName("US"); OrganizationName("SPIFFE") }
        let now = Date()
        let authority = try upstream.mintX509CA(trustDomain: Self.td, privateKey: caKey, subject: subject, ttl: .seconds(7 * 86400), now: now)
        #expect(authority.roots == [root.certificate])
        #expect(authority.upstreamChain == [authority.certificate, upstreamIntermediate.certificate])
        // Capped at the upstream certificate's end of validity (1 day in TestCA).
        #expect(authority.notAfter == upstreamIntermediate.certificate.notValidAfter)
        let ca = CertificateAuthority(trustDomain: Self.td, x509Authority: authority)
        let key = P256.Signing.PrivateKey()
        let chain = try ca.signX509SVID(
            X509SVIDParameters(spiffeID: try SPIFFEID("spiffe://example.org/web"), publicKey: .init(key.publicKey), ttl: .seconds(300)),
            now: now
        )
        #expect(chain.count == 3)
        let verified = try await X509SVIDVerifier.verify(chain: chain, bundles: X509Bundle(trustDomain: Self.td, x509Authorities: authority.roots), at: now)
        #expect(verified.chain.last == root.certificate)
    }

    @Test("refuses unreadable files, a key of another certificate, a non-CA and a missing bundle for a non-root")
    func refusesBadFiles() throws {
        let directory = KeyManagerTests.temporaryDirectory()
        let root = TestCA(trustDomain: Self.td)
        let rootCert = try Self.write(try Self.pem([root.certificate]), "root.crt", in: directory)
        let rootKey = try Self.write(try root.privateKey.serializeAsPEM().pemString, "root.key", in: directory)
        #expect(try DiskUpstreamAuthority(certFilePath: rootCert, keyFilePath: rootKey, bundleFilePath: nil).roots == [root.certificate])
        let otherKey = try Self.write(try TestCA(trustDomain: Self.td).privateKey.serializeAsPEM().pemString, "other.key", in: directory)
        let leaf = root.makeLeaf(LeafShape(uris: ["spiffe://example.org/x"]))
        let leafCert = try Self.write(try Self.pem(leaf.chain), "leaf.crt", in: directory)
        let leafKey = try Self.write(try leaf.key.serializeAsPEM().pemString, "leaf.key", in: directory)
        let intermediate = root.intermediate()
        let intermediateCert = try Self.write(try Self.pem([intermediate.certificate]), "int.crt", in: directory)
        let intermediateKey = try Self.write(try intermediate.privateKey.serializeAsPEM().pemString, "int.key", in: directory)
        let garbage = try Self.write("not pem", "garbage", in: directory)
        let cases: [(String, String, String?)] = [
            (directory + "/missing.crt", rootKey, nil),
            (garbage, rootKey, nil),
            (rootCert, directory + "/missing.key", nil),
            (rootCert, garbage, nil),
            (rootCert, otherKey, nil),
            (leafCert, leafKey, rootCert),
            (intermediateCert, intermediateKey, nil),
        ]
        for (cert, key, bundle) in cases {
            let error = #expect(throws: CAError.self) { try DiskUpstreamAuthority(certFilePath: cert, keyFilePath: key, bundleFilePath: bundle) }
            #expect(error?.code == .upstreamAuthority)
        }
    }
}
