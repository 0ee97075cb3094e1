import Logging
import SPIFFE
import SPIFFECA
import Synchronization
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What SPIRE's AppendBundle needs of the CA (``CAManager`` in a server).
protocol BundleAppending: Sendable {
    func append(x509: [Certificate], jwt: [String: AppendedAuthorities.JWTKey]) async throws -> SPIFFEBundle
    /// A downstream server's JWT key (SPIRE's `PublishJWTAuthority`): returns every JWT authority it is now published with.
    func publishDownstreamJWTKey(keyID: String, key: AppendedAuthorities.JWTKey) async throws -> [String: Certificate.PublicKey]
}

extension CAManager: BundleAppending {
    /// Appends the key to this trust domain's bundle; when this server is itself downstream of another, forwards it
    /// there first (as SPIRE's CA manager does), so that the key reaches the top of the tree and every cluster.
    func publishDownstreamJWTKey(keyID: String, key: AppendedAuthorities.JWTKey) async throws -> [String: Certificate.PublicKey] {
        if let published = bundle.jwtAuthorities[keyID], published != key.publicKey {
            // Refused before anything is forwarded: the key must not end up published upstream but not here.
            throw LocalAuthorityRefusal(.invalidArgument, "JWT authority \(keyID) is published with another key: a key ID names one key")
        }
        var upstreamKeys: [String: Certificate.PublicKey]?
        if let upstream = settings.upstream {
            upstreamKeys = try await upstream.publishJWTKey(
                keyID: keyID, publicKey: key.publicKey, notAfter: key.expiresAt ?? clock().addingTimeInterval(Double(settings.caTTL.components.seconds)))
        }
        let published = try await append(x509: [], jwt: [keyID: key])
        return (upstreamKeys ?? [:]).merging(published.jwtAuthorities) { _, local in local }
    }

    /// Adds authorities to the trust domain's bundle, beside the CA's own, as SPIRE's datastore appends them: what is
    /// published already is skipped, and the sequence is bumped only when something was added. A `kid` that is
    /// published with another key is refused. Returns the bundle as published after the call.
    func append(x509: [Certificate], jwt: [String: AppendedAuthorities.JWTKey]) async throws -> SPIFFEBundle {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            var changed = false
            for root in x509 where !snapshot.bundle.x509Authorities.contains(root) && !snapshot.appended.x509.contains(root) {
                snapshot.appended.x509.append(root)
                changed = true
            }
            for kid in jwt.keys.sorted() {
                let key = jwt[kid]!
                if let published = snapshot.bundle.jwtAuthorities[kid] {
                    guard published == key.publicKey else {
                        throw LocalAuthorityRefusal(.invalidArgument, "JWT authority \(kid) is published with another key: a key ID names one key")
                    }
                    continue
                }
                snapshot.appended.jwt[kid] = key
                changed = true
            }
            guard changed else { return snapshot.bundle }
            logger.info("authorities appended to the bundle", metadata: ["x509_authorities": "\(x509.count)", "jwt_authorities": "\(jwt.count)"])
            try await commit(snapshot)
            return state.withLock { $0.bundle }
        }
    }
}
