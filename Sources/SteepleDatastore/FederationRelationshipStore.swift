package import SPIFFE

/// Stores federation relationships, keyed by foreign trust domain. Each call may also set the foreign trust
/// domain's bundle, in the same transaction (SPIRE's `trust_domain_bundle`), so a relationship and the bundle that
/// bootstraps it are never stored one without the other.
package protocol FederationRelationshipStore: Sendable {
    /// Creates a relationship and, when `bundle` is given, creates or replaces that bundle.
    ///
    /// - Throws: ``DatastoreError/Code/alreadyExists`` when the trust domain has one;
    ///   ``DatastoreError/Code/invalidArgument`` when the URL is empty or `bundle` is of another trust domain.
    func createFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) async throws(DatastoreError) -> Committed<FederationRelationship>

    /// Replaces the relationship with `relationship.trustDomain` and, when `bundle` is given, creates or replaces
    /// that bundle.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``; ``DatastoreError/Code/invalidArgument`` as for create.
    func updateFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) async throws(DatastoreError) -> Committed<FederationRelationship>

    /// Fetches the relationship with a trust domain, or `nil` when there is none.
    func fetchFederationRelationship(trustDomain: TrustDomain) async throws(DatastoreError) -> FederationRelationship?

    /// Lists relationships in trust domain order, one page at a time (`nil`: all at once).
    ///
    /// - Throws: ``DatastoreError/Code/invalidArgument`` for a page size out of range.
    func listFederationRelationships(
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<FederationRelationship>

    /// Deletes the relationship with a trust domain. Its bundle stays (as in SPIRE): delete it with the bundle API.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``.
    func deleteFederationRelationship(
        trustDomain: TrustDomain
    ) async throws(DatastoreError) -> Committed<FederationRelationship>
}

extension FederationRelationship {
    /// Checks what every store checks before writing `self` with `bundle`.
    package func validateForStorage(bundle: BundleRecord?) throws(DatastoreError) {
        guard !bundleEndpointURL.isEmpty else {
            throw DatastoreError(
                code: .invalidArgument,
                message: "federation relationship with \(trustDomain.name) has no bundle endpoint URL"
            )
        }
        if let bundle, bundle.trustDomain != trustDomain {
            throw DatastoreError(
                code: .invalidArgument,
                message:
                    "the bundle stored with the federation relationship with \(trustDomain.name) is of another trust domain (\(bundle.trustDomain.name))"
            )
        }
    }
}
