import _CryptoExtras
import Crypto
import SPIFFE
@testable import SteepleServer
import SteepleX509PoP
import Testing
import X509

import Foundation

/// The bounds SPIRE's x509pop puts on what an agent sends, checked before the chain is verified or a challenge sent.
@Suite("x509pop attestor bounds")
struct X509PoPAttestorTests {
    static func certificate(_ key: Certificate.PrivateKey, _ algorithm: Certificate.SignatureAlgorithm) throws -> Certificate {
        let name = try DistinguishedName { CommonName("node") }
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: Date() - 60, notValidAfter: Date() + 3600, issuer: name, subject: name, signatureAlgorithm: algorithm,
            extensions: try Certificate.Extensions { Critical(KeyUsage(digitalSignature: true)) }, issuerPrivateKey: key)
    }

    static func attestor(maxIntermediates: Int = 4, maxRSAKeySize: Int = 8192) throws -> X509PoPAttestor {
        X509PoPAttestor(
            trustDomain: try TrustDomain("example.org"), roots: [], pathTemplate: "/x509pop/{{ .Fingerprint }}",
            maxIntermediates: maxIntermediates, maxRSAKeySize: maxRSAKeySize, now: { Date() })
    }

    /// Attests with `chain` and returns the refusal; a challenge sent means the bounds let the chain through.
    static func refusal(_ attestor: X509PoPAttestor, _ chain: [Certificate]) async -> String {
        let payload = X509PoPMessages.encode(X509PoPMessages.AttestationData(certificates: chain.map { Data($0.spiffeDERBytes) }))
        do {
            _ = try await attestor.attest(payload: payload) { _ in throw APIRefusal(.internal, "a challenge was sent") }
            return "attested"
        } catch {
            return "\(error)"
        }
    }

    @Test("more intermediates than max_intermediates are refused, as many are not (they then fail verification: no roots)")
    func intermediates() async throws {
        let ecdsa = try Self.certificate(Certificate.PrivateKey(P256.Signing.PrivateKey()), .ecdsaWithSHA256)
        let three = try await Self.refusal(Self.attestor(maxIntermediates: 2), [ecdsa, ecdsa, ecdsa, ecdsa])
        #expect(three.contains("too many intermediate certificates (at most 2, max_intermediates)"), "\(three)")
        let two = try await Self.refusal(Self.attestor(maxIntermediates: 2), [ecdsa, ecdsa, ecdsa])
        #expect(two.contains("certificate verification failed"), "\(two)")
    }

    @Test("an RSA leaf or intermediate over max_rsa_key_size is refused before verification")
    func rsaKeySize() async throws {
        let rsa = try Self.certificate(Certificate.PrivateKey(_RSA.Signing.PrivateKey(keySize: .bits2048)), .sha256WithRSAEncryption)
        let ecdsa = try Self.certificate(Certificate.PrivateKey(P256.Signing.PrivateKey()), .ecdsaWithSHA256)
        let leaf = try await Self.refusal(Self.attestor(maxRSAKeySize: 1024), [rsa])
        #expect(leaf.contains("leaf certificate key size too large: 2048 bits, at most 1024"), "\(leaf)")
        let intermediate = try await Self.refusal(Self.attestor(maxRSAKeySize: 1024), [ecdsa, rsa])
        #expect(intermediate.contains("intermediate certificate 0 key size too large"), "\(intermediate)")
        let allowed = try await Self.refusal(Self.attestor(maxRSAKeySize: 2048), [rsa])
        #expect(allowed.contains("certificate verification failed"), "\(allowed)")
    }
}
