import Crypto
import _CryptoExtras
import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleSupport
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "x509pop"`: the agent presents a certificate chain that must chain to one of the configured CA
/// bundles, then proves possession of the leaf's key by signing a fresh 32-byte nonce (SHA-256, ECDSA or RSA
/// PKCS#1 v1.5). Agent ID from `agent_path_template` (SPIRE's default `/x509pop/{{ .Fingerprint }}`, the SHA-1 of
/// the leaf); selectors `x509pop:subject:cn:<CN>`, `x509pop:ca:fingerprint:<SHA-1>` for every CA above the leaf,
/// `x509pop:serialnumber:<hex>`, and `x509pop:san:<key>:<value>` for every URI SAN `x509pop://<td>/<key>/<value>`
/// (SPIRE's, for node alias entries). Re-attestable.
struct X509PoPAttestor: NodeAttestor {
    let trustDomain: TrustDomain
    let roots: [Certificate]
    let pathTemplate: String
    let now: @Sendable () -> Date

    var name: String { "x509pop" }

    func attest(payload: [UInt8], challenge: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        let chain: [Certificate]
        do {
            chain = try X509Bundle(trustDomain: trustDomain, derBytes: payload).x509Authorities
        } catch {
            throw APIRefusal(.invalidRequest, "x509pop payload is not a DER certificate chain: \(error.message)")
        }
        guard let leaf = chain.first else { throw APIRefusal(.invalidRequest, "x509pop payload holds no certificate") }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: now())
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
        guard case .validCertificate(let verified) = result else {
            throw APIRefusal(.attestationFailed, "x509pop certificate does not chain to a configured CA bundle")
        }
        var nonce = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255, using: &generator) }
        let answer = try await challenge(nonce)
        let algorithm: Certificate.SignatureAlgorithm = _RSA.Signing.PublicKey(leaf.publicKey) == nil ? .ecdsaWithSHA256 : .sha256WithRSAEncryption
        guard leaf.publicKey.isValidSignature(answer, for: nonce, signatureAlgorithm: algorithm) else {
            throw APIRefusal(.attestationFailed, "x509pop proof of possession failed: the challenge signature does not verify")
        }
        let fingerprint = Self.sha1Hex(leaf)
        let path = pathTemplate.replacing("{{ .Fingerprint }}", with: fingerprint)
        let agentID: SPIFFEID
        do {
            agentID = try SPIFFEID(trustDomain: trustDomain, path: "/spire/agent\(path)")
        } catch {
            throw APIRefusal(.invalidRequest, "agent_path_template yields an invalid ID: \(error.message)")
        }
        var selectors: [Selector] = []
        if let cn = leaf.subject.commonName {
            selectors.append(try Selector(type: "x509pop", value: "subject:cn:\(cn)"))
        }
        for ca in verified.dropFirst() {
            let fingerprintValue = "ca:fingerprint:\(Self.sha1Hex(ca))"
            selectors.append(try Selector(type: "x509pop", value: fingerprintValue))
        }
        let serialValue = "serialnumber:\(HexEncoding.lowercase(leaf.serialNumber.bytes))"
        selectors.append(try Selector(type: "x509pop", value: serialValue))
        for (key, value) in Self.sanSelectors(leaf, trustDomain: trustDomain) {
            selectors.append(try Selector(type: "x509pop", value: "san:\(key):\(value)"))
        }
        return NodeAttestationResult(agentID: agentID, selectors: selectors, canReattest: true)
    }

    /// The `x509pop://<trust domain>/<key>/<value…>` URI SANs of `leaf` as (key, value) pairs, sorted by key; a URI
    /// without both parts is skipped, as SPIRE does (with a warning there). The last of equal keys wins, as in SPIRE's map.
    static func sanSelectors(_ leaf: Certificate, trustDomain: TrustDomain) -> [(String, String)] {
        let prefix = "x509pop://\(trustDomain.name)/"
        guard let names = try? leaf.extensions.subjectAlternativeNames else { return [] }
        var pairs: [String: String] = [:]
        for case .uniformResourceIdentifier(let uri) in names where uri.hasPrefix(prefix) {
            // As Go's url.URL.Path: percent-decoded, without query or fragment.
            guard let path = URL(string: uri)?.path else { continue }
            let trimmed = path.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed()
            let parts = String(trimmed).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            pairs[String(parts[0])] = String(parts[1])
        }
        return pairs.sorted { $0.key < $1.key }
    }

    static func sha1Hex(_ certificate: Certificate) -> String {
        var serializer = DER.Serializer()
        try! serializer.serialize(certificate)
        return HexEncoding.lowercase(Insecure.SHA1.hash(data: serializer.serializedBytes))
    }
}

extension DistinguishedName {
    /// The first common name, if any.
    var commonName: String? {
        for rdn in self {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}
