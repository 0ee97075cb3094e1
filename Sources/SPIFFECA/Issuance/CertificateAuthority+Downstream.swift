package import X509
import SwiftASN1

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

extension CertificateAuthority {
    /// Signs the X.509 CA of a downstream server of the same trust domain (nested servers, SPIRE's
    /// `NewDownstreamX509CA`): cA true, critical keyCertSign + cRLSign, URI SAN `spiffe://<td>`, SKI and AKI; the
    /// subject is this CA's with `OU=DOWNSTREAM-<depth>` (SPIRE's marking) and the new serial; notAfter is now + `ttl`
    /// capped at this authority's end.
    ///
    /// - Returns: the chain the downstream serves above its SVIDs: its CA, then this authority's upstream chain (never
    ///   the root).
    /// - Throws: ``CAError/Code/invalidParameters`` or ``CAError/Code/authorityExpired``.
    package func signDownstreamX509CA(publicKey: Certificate.PublicKey, ttl: Duration, now: Date) throws(CAError) -> [Certificate] {
        guard ttl > .zero else { throw CAError(.invalidParameters, "downstream X.509 CA TTL must be positive, got \(ttl)") }
        guard now < x509Authority.notAfter else {
            throw CAError(.authorityExpired, "the X.509 authority expired at \(x509Authority.notAfter)")
        }
        let parent = x509Authority.certificate
        let depth = x509Authority.upstreamChain.isEmpty ? 1 : x509Authority.upstreamChain.count + 1
        let certificate: Certificate
        do {
            // The parent's subject without its own serial number or OU, then SPIRE's OU (the new serial follows).
            var rdns = Array(parent.subject).filter { rdn in
                !rdn.contains { $0.type == .RDNAttributeType.organizationalUnitName || $0.type == [2, 5, 4, 5] }
            }
            rdns.append(RelativeDistinguishedName(try .init(type: .RDNAttributeType.organizationalUnitName, utf8String: "DOWNSTREAM-\(depth)")))
            certificate = try X509Authority.caCertificate(
                trustDomain: trustDomain, publicKey: publicKey, subject: DistinguishedName(rdns),
                notAfter: min(now.addingTimeInterval(ttl.timeInterval), x509Authority.notAfter), now: now,
                issuer: parent, issuerKey: x509Authority.privateKey)
        } catch {
            throw CAError(.invalidParameters, "could not build the downstream X.509 CA certificate", cause: error)
        }
        guard parent.publicKey.isValidSignature(certificate.signature, for: certificate) else {
            throw CAError(.issuedCredentialInvalid, "issued downstream X.509 CA does not verify with the signing authority's key")
        }
        return [certificate] + x509Authority.upstreamChain
    }
}
