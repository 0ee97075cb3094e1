import Crypto
import Logging
import SPIFFE
import SPIFFECA
import SPIREAPIProto
import SwiftASN1
import Testing
import X509
@testable import SteepleServer

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Nested servers, downstream side: what an upstream's `NewDownstreamX509CA` answer must be before it becomes this
/// server's CA (fails closed), and the CSR the downstream sends.
@Suite("UpstreamAuthority spire: the answer checked")
struct SPIREUpstreamAuthorityTests {
    static let td = try! TrustDomain("example.org")
    static let subject = try! DistinguishedName { CountryName("US"); OrganizationName("SPIFFE") }

    static func response(chain: [Certificate], roots: [Certificate]) -> Spire_Api_Server_Svid_V1_NewDownstreamX509CAResponse {
        var response = Spire_Api_Server_Svid_V1_NewDownstreamX509CAResponse()
        response.caCertChain = chain.map { Data($0.spiffeDERBytes) }
        response.x509Authorities = roots.map { Data($0.spiffeDERBytes) }
        return response
    }

    @Test("the CSR carries the CA key and names the trust domain; a genuine answer becomes the CA with the upstream roots")
    func accepts() throws {
        let now = Date()
        let upstream = try X509Authority.selfSigned(trustDomain: Self.td, privateKey: CAKeyType.ecP256.generate(), subject: Self.subject, ttl: .seconds(3600), now: now)
        let key = CAKeyType.ecP256.generate()
        let csr = try SPIREUpstreamAuthority.csr(for: key, trustDomain: Self.td)
        #expect(try CertificateAuthority.requestedNames(inCSR: csr).uris == ["spiffe://example.org"])
        let publicKey = try CertificateAuthority.publicKey(fromCSR: csr)
        let chain = try CertificateAuthority(trustDomain: Self.td, x509Authority: upstream).signDownstreamX509CA(publicKey: publicKey, ttl: .seconds(600), now: now)
        let authority = try SPIREUpstreamAuthority.authority(from: Self.response(chain: chain, roots: [upstream.certificate]), privateKey: key, trustDomain: Self.td, now: now)
        #expect(authority.certificate == chain[0] && authority.roots == [upstream.certificate] && authority.upstreamChain == chain)
    }

    @Test("refused: a CA for another key, one signed by a forger, one of another trust domain, an empty answer", arguments: ["other key", "forged", "other trust domain", "empty", "no roots"])
    func refusals(kind: String) throws {
        let now = Date()
        let upstream = try X509Authority.selfSigned(trustDomain: Self.td, privateKey: CAKeyType.ecP256.generate(), subject: Self.subject, ttl: .seconds(3600), now: now)
        // The forger copies the upstream's subject but signs with its own key.
        let forger = try X509Authority.selfSigned(trustDomain: Self.td, privateKey: CAKeyType.ecP256.generate(), subject: Self.subject, ttl: .seconds(3600), now: now)
        let key = CAKeyType.ecP256.generate()
        var signer = upstream
        var publicKey = key.publicKey
        var trustDomain = Self.td
        var roots = [upstream.certificate]
        switch kind {
        case "other key": publicKey = CAKeyType.ecP256.generate().publicKey
        case "forged": signer = X509Authority(certificate: forger.certificate, privateKey: forger.privateKey, upstreamChain: [], roots: [forger.certificate])
        case "other trust domain": trustDomain = try TrustDomain("evil.example")
        case "no roots": roots = []
        default: break
        }
        var chain = try CertificateAuthority(trustDomain: trustDomain, x509Authority: signer).signDownstreamX509CA(publicKey: publicKey, ttl: .seconds(600), now: now)
        if kind == "empty" { chain = [] }
        #expect {
            _ = try SPIREUpstreamAuthority.authority(from: Self.response(chain: chain, roots: roots), privateKey: key, trustDomain: Self.td, now: now)
        } throws: { error in
            guard let error = error as? CAError, error.code == .upstreamAuthority else { return false }
            switch kind {
            case "other key": return error.message.contains("another key")
            case "forged": return error.message.contains("does not chain to the upstream bundle")
            case "other trust domain": return error.message.contains("does not name spiffe://example.org")
            case "empty": return error.message.contains("without a CA certificate")
            default: return error.message.contains("without X.509 authorities")
            }
        }
    }
}
