import Logging
import SPIFFE
import Synchronization
import X509

/// What a nested server's upstream bundle holds: its X.509 roots and JWT keys (those of every server of the trust
/// domain that published one), which the downstream publishes beside its own so that its workloads verify everyone's
/// SVIDs.
struct UpstreamBundle: Sendable, Equatable {
    var roots: [Certificate] = []
    var jwtKeys: [String: Certificate.PublicKey] = [:]
}

extension CAManager {
    /// Takes in the upstream bundle as last read (SPIRE's `SubscribeToLocalBundle`): when it differs from what is
    /// published, the bundle is recomposed with it and its sequence bumped, and agents hear of it. Returns whether it
    /// changed anything.
    @discardableResult
    func applyUpstreamBundle(_ upstream: UpstreamBundle) async throws -> Bool {
        try await mutations.run {
            var snapshot = state.withLock { $0 }
            guard snapshot.upstream != upstream else { return false }
            snapshot.upstream = upstream
            logger.info("upstream bundle updated", metadata: ["x509_authorities": "\(upstream.roots.count)", "jwt_authorities": "\(upstream.jwtKeys.count)"])
            try await commit(snapshot)
            return true
        }
    }
}
