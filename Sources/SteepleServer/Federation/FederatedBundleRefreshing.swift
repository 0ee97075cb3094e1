import SPIFFE

/// What the TrustDomain API needs of the federated bundle refresher: a refresh on demand, and a word when the
/// stored relationships change.
protocol FederatedBundleRefreshing: Sendable {
    /// Fetches the bundle of `trustDomain` from its endpoint now and stores it.
    ///
    /// - Returns: `false` when no relationship, configured or stored, names `trustDomain`.
    /// - Throws: ``FederationError`` when the fetch or the bundle fails; the stored bundle is kept.
    func refreshBundle(of trustDomain: TrustDomain) async throws(FederationError) -> Bool

    /// The stored relationships changed: re-read them (start, stop or re-point refreshes).
    func relationshipsChanged()
}
