import SPIFFE
import SPIFFECA
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an upstream authority over the network (an upstream server, Vault) answered, checked before it becomes this
/// server's CA. Fails closed: a CA for another key, of another trust domain, not valid now, or not chained to the roots
/// it came with is refused, naming `source`.
enum UpstreamAnswer {
    /// - Parameters:
    ///   - chain: the new CA first, then the intermediates above it (never the root).
    ///   - roots: the roots the trust bundle will publish.
    static func authority(
        chain: [Certificate], roots: [Certificate], privateKey: Certificate.PrivateKey, trustDomain: TrustDomain, now: Date, source: String
    ) throws(CAError) -> X509Authority {
        guard let certificate = chain.first else {
            throw CAError(.upstreamAuthority, "\(source) answered without a CA certificate")
        }
        guard !roots.isEmpty else {
            throw CAError(.upstreamAuthority, "\(source) answered without X.509 authorities")
        }
        guard certificate.publicKey == privateKey.publicKey else {
            throw CAError(.upstreamAuthority, "\(source) signed a CA for another key than the one this server asked for")
        }
        guard case .some(.isCertificateAuthority) = try? certificate.extensions.basicConstraints else {
            throw CAError(.upstreamAuthority, "\(source) signed a certificate that is not a CA")
        }
        let sans = (try? certificate.extensions.subjectAlternativeNames) ?? SubjectAlternativeNames([])
        guard sans.contains(.uniformResourceIdentifier(trustDomain.idString)) else {
            throw CAError(.upstreamAuthority, "\(source) signed a CA that does not name \(trustDomain.idString)")
        }
        guard certificate.notValidBefore <= now.addingTimeInterval(X509Authority.notBeforeCushion), now < certificate.notValidAfter else {
            throw CAError(.upstreamAuthority, "\(source) signed a CA that is not valid now (\(certificate.notValidBefore) to \(certificate.notValidAfter))")
        }
        // Each certificate is signed by the next, and the last by one of the roots.
        for (child, parent) in zip(chain, chain.dropFirst()) where !parent.publicKey.isValidSignature(child.signature, for: child) {
            throw CAError(.upstreamAuthority, "the CA chain from \(source) is broken: \(child.subject) is not signed by \(parent.subject)")
        }
        let top = chain.last!
        guard roots.contains(where: { $0.subject == top.issuer && $0.publicKey.isValidSignature(top.signature, for: top) }) else {
            throw CAError(.upstreamAuthority, "the CA chain from \(source) does not chain to the upstream bundle's X.509 authorities")
        }
        return X509Authority(certificate: certificate, privateKey: privateKey, upstreamChain: chain, roots: roots)
    }
}
