import PostgresNIO
package import SPIFFE
package import SteepleDatastore

extension PostgresDatastore: FederationRelationshipStore {
    package func createFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) async throws(DatastoreError) -> Committed<FederationRelationship> {
        try await write(relationship, bundle: bundle, creating: true)
    }

    package func updateFederationRelationship(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?
    ) async throws(DatastoreError) -> Committed<FederationRelationship> {
        try await write(relationship, bundle: bundle, creating: false)
    }

    /// Creates (the trust domain must have no relationship) or replaces (it must have one) `relationship`, and sets
    /// `bundle` in the same transaction.
    private func write(
        _ relationship: FederationRelationship,
        bundle: BundleRecord?,
        creating: Bool
    ) async throws(DatastoreError) -> Committed<FederationRelationship> {
        try relationship.validateForStorage(bundle: bundle)
        let at = now()
        return try await write { session in
            let key = relationship.trustDomain.name
            let exists = try await Self.fetchFederationRelationship(session, key) != nil
            if creating, exists { throw DatastoreError.alreadyExists("federation relationship with trust domain", key) }
            if !creating, !exists { throw DatastoreError.notFound("federation relationship with trust domain", key) }
            if let bundle { _ = try await Self.setBundle(session, bundle, at: at) }
            let profile = StoredValues.profileColumns(relationship.profile)
            try await session.execute(
                """
                INSERT INTO federation_relationships (trust_domain, bundle_endpoint_url, bundle_endpoint_profile, endpoint_spiffe_id)
                VALUES (\(key), \(relationship.bundleEndpointURL), \(profile.name), \(profile.endpointSPIFFEID))
                ON CONFLICT (trust_domain) DO UPDATE SET bundle_endpoint_url = excluded.bundle_endpoint_url,
                    bundle_endpoint_profile = excluded.bundle_endpoint_profile, endpoint_spiffe_id = excluded.endpoint_spiffe_id
                """)
            let kind: ChangeEvent.Kind = creating ? .federationRelationshipCreated : .federationRelationshipUpdated
            return Committed(value: relationship, seq: try await Self.appendEvent(session, kind, key, at: at))
        }
    }

    package func fetchFederationRelationship(trustDomain: TrustDomain) async throws(DatastoreError) -> FederationRelationship? {
        try await read { session in try await Self.fetchFederationRelationship(session, trustDomain.name) }
    }

    package func listFederationRelationships(pagination: Pagination?) async throws(DatastoreError) -> Page<FederationRelationship> {
        try pagination?.validate()
        var filter = PostgresFilter()
        let limit = filter.page(pagination, keyColumn: "trust_domain")
        let sql = filter.query("SELECT \(Self.relationshipColumns) FROM federation_relationships \(filter.whereSQL) ORDER BY trust_domain \(limit)")
        let relationships = try await read { session in try await session.rows(sql).map(Self.federationRelationship) }
        return Page.cut(relationships, pagination, key: \.trustDomain.name)
    }

    package func deleteFederationRelationship(trustDomain: TrustDomain) async throws(DatastoreError) -> Committed<FederationRelationship> {
        let at = now()
        return try await write { session in
            let key = trustDomain.name
            guard let relationship = try await Self.fetchFederationRelationship(session, key) else {
                throw DatastoreError.notFound("federation relationship with trust domain", key)
            }
            try await session.execute("DELETE FROM federation_relationships WHERE trust_domain = \(key)")
            return Committed(value: relationship, seq: try await Self.appendEvent(session, .federationRelationshipDeleted, key, at: at))
        }
    }

    static let relationshipColumns = "trust_domain, bundle_endpoint_url, bundle_endpoint_profile, endpoint_spiffe_id"

    static func fetchFederationRelationship(_ session: PostgresSession, _ key: String) async throws -> FederationRelationship? {
        try await session.rows(
            "SELECT \(unescaped: relationshipColumns) FROM federation_relationships WHERE trust_domain = \(key)"
        ).first.map(federationRelationship)
    }

    static func federationRelationship(_ row: PostgresRow) throws -> FederationRelationship {
        let (name, url, profile, endpointID) = try row.decode((String, String, String, String?).self)
        return try StoredValues.federationRelationship(trustDomain: name, url: url, profileName: profile, endpointSPIFFEID: endpointID)
    }
}
