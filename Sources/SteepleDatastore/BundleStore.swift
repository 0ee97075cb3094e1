package import SPIFFE

/// Stores trust bundles, ours and federated ones, keyed by trust domain.
package protocol BundleStore: Sendable {
    /// Creates a bundle.
    ///
    /// - Throws: ``DatastoreError/Code/alreadyExists`` when the trust domain has one.
    func createBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord>

    /// Replaces the bundle of `bundle.trustDomain`.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``.
    func updateBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord>

    /// Creates or replaces the bundle of `bundle.trustDomain` (the event says which).
    func setBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord>

    /// Reads the bundle of `trustDomain` and stores what `revise` makes of it, in one transaction: no write of
    /// another server can come between the read and the write. `revise` returns `nil` to leave the bundle as it is
    /// (and then no event is appended, and the result is `nil`).
    func reviseBundle(
        trustDomain: TrustDomain, _ revise: @escaping @Sendable (BundleRecord?) -> BundleRecord?
    ) async throws(DatastoreError) -> Committed<BundleRecord>?
    /// Fetches the bundle of a trust domain, or `nil` when there is none.
    func fetchBundle(trustDomain: TrustDomain) async throws(DatastoreError) -> BundleRecord?

    /// Lists bundles in trust domain order, one page at a time (`nil`: all at once).
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for a page size out of range.
    func listBundles(pagination: Pagination?) async throws(DatastoreError) -> Page<BundleRecord>

    /// Counts the stored bundles.
    func countBundles() async throws(DatastoreError) -> Int

    /// Deletes the bundle of a trust domain.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``; ``DatastoreError/Code/conflict`` while registration entries
    ///   federate with the trust domain (SPIRE's "restrict" mode): update or delete those entries first.
    func deleteBundle(trustDomain: TrustDomain) async throws(DatastoreError) -> Committed<BundleRecord>
}
