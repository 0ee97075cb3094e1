package import SPIFFE

extension InMemoryDatastore: FederationRelationshipStore {
    package func createFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) throws(DatastoreError) -> Committed<FederationRelationship> {
        try relationship.validateForStorage(bundle: bundle)
        let key = relationship.trustDomain.name
        guard federationRelationships[key] == nil else {
            throw .alreadyExists("federation relationship with trust domain", key)
        }
        if let bundle { _ = setBundle(bundle) }
        federationRelationships[key] = relationship
        return Committed(value: relationship, seq: appendEvent(.federationRelationshipCreated, key))
    }

    package func updateFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) throws(DatastoreError) -> Committed<FederationRelationship> {
        try relationship.validateForStorage(bundle: bundle)
        let key = relationship.trustDomain.name
        guard federationRelationships[key] != nil else {
            throw .notFound("federation relationship with trust domain", key)
        }
        if let bundle { _ = setBundle(bundle) }
        federationRelationships[key] = relationship
        return Committed(value: relationship, seq: appendEvent(.federationRelationshipUpdated, key))
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
