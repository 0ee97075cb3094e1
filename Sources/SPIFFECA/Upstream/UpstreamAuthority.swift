package import SPIFFE
package import X509

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Where the server's X.509 CA comes from when it is not self-signed (SPIRE's `UpstreamAuthority` plugin type): the
/// operator's CA on disk, or an upstream server of the same trust domain (nested servers).
package protocol UpstreamAuthority: Sendable {
    /// Signs the server's CA for `privateKey`'s public key, valid for about `ttl` (the upstream may cap it), and returns
    /// it with the chain above it and the roots the trust bundle publishes.
    func mintX509CA(
        trustDomain: TrustDomain,
        privateKey: Certificate.PrivateKey,
        subject: DistinguishedName,
        ttl: Duration,
        now: Date
    ) async throws -> X509Authority

    /// Publishes a JWT signing key upstream and returns every JWT authority the upstream bundle then holds, or `nil`
    /// when this upstream does not take JWT keys (the server then publishes its keys itself).
    func publishJWTKey(keyID: String, publicKey: Certificate.PublicKey, notAfter: Date) async throws -> [String: Certificate.PublicKey]?
}

extension UpstreamAuthority {
    package func publishJWTKey(keyID _: String, publicKey _: Certificate.PublicKey, notAfter _: Date) async throws -> [String: Certificate.PublicKey]? {
        nil
    }
}

extension DiskUpstreamAuthority: UpstreamAuthority {}
