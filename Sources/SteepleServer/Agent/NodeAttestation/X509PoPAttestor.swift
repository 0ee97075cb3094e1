import Crypto
import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleSupport
import SteepleX509PoP
import SwiftASN1
@_spi(FixedExpiryValidationTime) import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "x509pop"`, in SPIRE's wire format (``X509PoPMessages``): the agent presents a certificate chain
/// that must chain to one of the configured CA bundles, then proves possession of the leaf's key by signing
/// SHA-256(server nonce ‖ agent nonce) (``X509PoPProof``). Agent ID from `agent_path_template` (SPIRE's default `/x509pop/{{ .Fingerprint }}`, the SHA-1 of
/// the leaf); selectors `x509pop:subject:cn:<CN>`, `x509pop:ca:fingerprint:<SHA-1>` for every CA above the leaf,
/// `x509pop:serialnumber:<hex>`, and `x509pop:san:<key>:<value>` for every URI SAN `x509pop://<td>/<key>/<value>`
/// (SPIRE's, for node alias entries). Re-attestable.
struct X509PoPAttestor: NodeAttestor {
    let trustDomain: TrustDomain
    let roots: [Certificate]
    let pathTemplate: String
    /// `max_intermediates` and `max_rsa_key_size`, checked before the chain is verified, as SPIRE does.
    let maxIntermediates: Int
    let maxRSAKeySize: Int
    let now: @Sendable () -> Date

    var name: String { "x509pop" }

    func attest(payload: [UInt8], challenge: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        do {
            let data = try X509PoPMessages.decode(X509PoPMessages.AttestationData.self, from: payload, what: "data")
            guard let leafDER = data.certificates.first else { throw X509PoPError(.invalidArgument, "no certificate to attest") }
            guard data.certificates.count - 1 <= maxIntermediates else {
                throw X509PoPError(.invalidArgument, "too many intermediate certificates (at most \(maxIntermediates), max_intermediates)")
            }
            let leaf = try Self.parse(leafDER, "leaf certificate")
            try checkKeySize(leaf, "leaf certificate")
            let intermediates = try data.certificates.dropFirst().enumerated().map { index, der in
                let intermediate = try Self.parse(der, "intermediate certificate \(index)")
                try checkKeySize(intermediate, "intermediate certificate \(index)")
                return intermediate
            }
            var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
                RFC5280Policy(fixedExpiryValidationTime: now())
            }
            let validation = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates))
            guard case .validCertificate(let verified) = validation else {
                throw X509PoPError(.permissionDenied, "certificate verification failed: it does not chain to a configured CA bundle")
            }
            let sent = try X509PoPProof.challenge(for: leaf)
            let answer = try await challenge(X509PoPMessages.encode(sent))
            let response = try X509PoPMessages.decode(X509PoPMessages.Response.self, from: answer, what: "challenge response")
            try X509PoPProof.verify(response, to: sent, leaf: leaf)
            return try result(leaf: leaf, verified: verified)
        } catch let error as X509PoPError {
            switch error.kind {
            case .invalidArgument: throw APIRefusal(.invalidRequest, "x509pop: \(error.message)")
            case .permissionDenied: throw APIRefusal(.attestationFailed, "x509pop: \(error.message)")
            case .internalError: throw APIRefusal(.internal, "x509pop: \(error.message)")
            }
        }
    }

    /// SPIRE's `validateRSAKeySize`: an RSA key over `max_rsa_key_size` bits is refused before any work on it.
    private func checkKeySize(_ certificate: Certificate, _ what: String) throws {
        if let bits = X509PoPProof.rsaKeySize(of: certificate), bits > maxRSAKeySize {
            throw X509PoPError(.invalidArgument, "\(what) key size too large: \(bits) bits, at most \(maxRSAKeySize) (max_rsa_key_size)")
        }
    }

    static func parse(_ der: Data, _ what: String) throws -> Certificate {
        do {
            return try Certificate(derEncoded: Array(der))
        } catch {
            throw X509PoPError(.invalidArgument, "unable to parse \(what): \(error)")
        }
    }

    private func result(leaf: Certificate, verified: ValidatedCertificateChain) throws -> NodeAttestationResult {
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
