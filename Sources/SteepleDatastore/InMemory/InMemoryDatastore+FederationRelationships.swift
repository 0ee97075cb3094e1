package import SPIFFE

extension InMemoryDatastore: FederationRelationshipStore {
    package func createFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) throws(DatastoreError) -> Committed<FederationRelationship> {
        try write(relationship, bundle: bundle, creating: true)
    }

    package func updateFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) throws(DatastoreError) -> Committed<FederationRelationship> {
        try write(relationship, bundle: bundle, creating: false)
    }

    private func write(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?,
        creating: Bool
    ) throws(DatastoreError) -> Committed<FederationRelationship> {
        try relationship.validateForStorage(bundle: bundle)
        let key = relationship.trustDomain.name
        let exists = federationRelationships[key] != nil
        if creating, exists { throw .alreadyExists("federation relationship with trust domain", key) }
        if !creating, !exists { throw .notFound("federation relationship with trust domain", key) }
        if let bundle { _ = setBundle(bundle) }
        federationRelationships[key] = relationship
        return Committed(value: relationship, seq: appendEvent(creating ? .federationRelationshipCreated : .federationRelationshipUpdated, key))
    }

    package func fetchFederationRelationship(trustDomain: TrustDomain) -> FederationRelationship? {
        federationRelationships[trustDomain.name]
    }

    package func listFederationRelationships(
        pagination: Pagination?
    ) throws(DatastoreError) -> Page<FederationRelationship> {
        let keys = federationRelationships.keys.sorted(by: datastoreKeyPrecedes)
        return try Pagination.page(pagination, sortedKeys: keys) { federationRelationships[$0] }
    }

    package func deleteFederationRelationship(
        trustDomain: TrustDomain
    ) throws(DatastoreError) -> Committed<FederationRelationship> {
        let key = trustDomain.name
        guard let relationship = federationRelationships.removeValue(forKey: key) else {
            throw .notFound("federation relationship with trust domain", key)
        }
        return Committed(value: relationship, seq: appendEvent(.federationRelationshipDeleted, key))
    }
}
