@_spi(FixedExpiryValidationTime) public import X509
import SwiftASN1

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The outcome of a successful X509-SVID verification.
public struct VerifiedX509SVIDChain: Sendable, Hashable {
    /// The SPIFFE ID of the presented leaf.
    public let id: SPIFFEID
    /// The verified chain, leaf first and ending with the trust domain's authority.
    public let chain: [Certificate]
}

/// Verifies a certificate chain presented by a peer (for example in a TLS handshake) as an X509-SVID
/// (SPEC §2.4).
///
/// The chain is checked against the bundle of **the leaf's own trust domain only**: bundles of different trust
/// domains are never pooled (Federation §4.2, §7.3).
public enum X509SVIDVerifier {
    /// Verifies a peer's chain.
    ///
    /// - Parameters:
    ///   - chain: the presented certificates, leaf first, then intermediates.
    ///   - bundles: where to find the bundle of the leaf's trust domain.
    ///   - time: the time at which every certificate must be valid.
    /// - Returns: the leaf's SPIFFE ID and the verified chain.
    /// - Throws: the shape codes of ``X509SVID`` (``SPIFFEError/Code/uriSANCount``, ``SPIFFEError/Code/leafKeyUsage``
    ///   …), ``SPIFFEError/Code/noBundleForTrustDomain``, ``SPIFFEError/Code/certificateNotYetValid``,
    ///   ``SPIFFEError/Code/certificateExpired`` or ``SPIFFEError/Code/untrustedCertificateChain``.
    public static func verify(
        chain: [Certificate],
        bundles: some X509BundleSource,
        at time: Date
    ) async throws(SPIFFEError) -> VerifiedX509SVIDChain {
        let id = try X509SVIDRules.validateChain(chain)
        guard let bundle = bundles.x509Bundle(for: id.trustDomain) else {
            throw SPIFFEError(
                code: .noBundleForTrustDomain,
                message: "no X.509 bundle for trust domain \(id.trustDomain) of \(id): the peer cannot be trusted"
            )
        }
        for (position, certificate) in chain.enumerated() {
            try checkValidity(of: certificate, position: position, at: time)
        }
        guard !bundle.x509Authorities.isEmpty else {
            throw SPIFFEError(
                code: .untrustedCertificateChain,
                message: "the bundle of trust domain \(id.trustDomain) has no X.509 authorities: its SVIDs are all invalid"
            )
        }
        var verifier = Verifier(rootCertificates: CertificateStore(bundle.x509Authorities)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            SPIFFEExtensionsPolicy()
        }
        let result = await verifier.validate(leaf: chain[0], intermediates: CertificateStore(chain.dropFirst()))
        switch result {
        case .validCertificate(let verified):
            return VerifiedX509SVIDChain(id: id, chain: Array(verified))
        case .couldNotValidate(let failures):
            let reasons = Set(failures.map { String(describing: $0.policyFailureReason) }).sorted()
            let detail = reasons.isEmpty ? "no path to an authority was found" : reasons.joined(separator: "; ")
            throw SPIFFEError(
                code: .untrustedCertificateChain,
                message: "chain of \(id) does not verify against the bundle of trust domain \(id.trustDomain): \(detail)"
            )
        }
    }

    /// Verifies a peer's chain given as raw DER certificates (leaf first), as TLS libraries hand it over.
    ///
    /// - Throws: ``SPIFFEError/Code/malformedCertificate`` or any code of ``verify(chain:bundles:at:)``.
    public static func verify(
        rawChain: [[UInt8]],
        bundles: some X509BundleSource,
        at time: Date
    ) async throws(SPIFFEError) -> VerifiedX509SVIDChain {
        var chain: [Certificate] = []
        for (position, der) in rawChain.enumerated() {
            do {
                chain.append(try Certificate(derEncoded: der))
            } catch {
                throw SPIFFEError(code: .malformedCertificate, message: "certificate \(position) of the chain is not valid DER X.509", cause: error)
            }
        }
        return try await verify(chain: chain, bundles: bundles, at: time)
    }

    private static func checkValidity(of certificate: Certificate, position: Int, at time: Date) throws(SPIFFEError) {
        let name = position == 0 ? "leaf" : "certificate \(position) of the chain"
        if time < certificate.notValidBefore {
            throw SPIFFEError(
                code: .certificateNotYetValid,
                message: "\(name) is not valid until \(certificate.notValidBefore) (verification time \(time))"
            )
        }
        if time > certificate.notValidAfter {
            throw SPIFFEError(
                code: .certificateExpired,
                message: "\(name) expired at \(certificate.notValidAfter) (verification time \(time))"
            )
        }
    }
}

/// Declares the extensions an X509-SVID may mark critical that ``X509SVIDRules`` handles: the SAN (critical when
/// the subject is empty, RFC 5280 §4.2.1.6) and extended key usage (which SPIFFE verifiers do not restrict, as
/// go-spiffe's `ExtKeyUsageAny`).
struct SPIFFEExtensionsPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [
        .X509ExtensionID.subjectAlternativeName,
        .X509ExtensionID.extendedKeyUsage,
    ]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult {
        .meetsPolicy
    }
}

extension X509SVIDVerifier {
    /// Checks only the shape rules of X509-SVID §2–§4 on a chain (leaf first), without verifying signatures or
    /// times: what a CA runs on every credential it issues before releasing it.
    ///
    /// - Returns: the leaf's SPIFFE ID.
    /// - Throws: ``SPIFFEError/Code/emptyCertificateChain``, ``SPIFFEError/Code/uriSANCount``,
    ///   ``SPIFFEError/Code/leafIDWithoutPath``, ``SPIFFEError/Code/leafBasicConstraints``,
    ///   ``SPIFFEError/Code/leafKeyUsage`` or ``SPIFFEError/Code/signingCertificateConstraints``.
    public static func validateShape(of chain: [Certificate]) throws(SPIFFEError) -> SPIFFEID {
        try X509SVIDRules.validateChain(chain)
    }
}
