import GRDB
package import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLiteDatastore: FederationRelationshipStore {
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
        return try await write { db in
            let key = relationship.trustDomain.name
            let exists = try Self.fetchFederationRelationship(db, key) != nil
            if creating, exists { throw DatastoreError.alreadyExists("federation relationship with trust domain", key) }
            if !creating, !exists { throw DatastoreError.notFound("federation relationship with trust domain", key) }
            try Self.setBundle(db, bundle, at: at)
            try Self.upsertFederationRelationship(db, relationship)
            let kind: ChangeEvent.Kind = creating ? .federationRelationshipCreated : .federationRelationshipUpdated
            return Committed(value: relationship, seq: try Self.appendEvent(db, kind, key, at: at))
        }
    }

    package func fetchFederationRelationship(
        trustDomain: TrustDomain
    ) async throws(DatastoreError) -> FederationRelationship? {
        try await read { db in try Self.fetchFederationRelationship(db, trustDomain.name) }
    }

    package func listFederationRelationships(
        pagination: Pagination?
    ) async throws(DatastoreError) -> Page<FederationRelationship> {
        try pagination?.validate()
        var filter = SQLFilter()
        let page = Self.pageClause(pagination, keyColumn: "trust_domain")
        if let clause = page.where, let token = pagination?.token {
            filter.add(clause, token)
        }
        let sql = """
            SELECT \(Self.relationshipColumns) FROM federation_relationships \(filter.whereSQL) \
            ORDER BY trust_domain \(page.limit)
            """
        let arguments = filter.statementArguments()
        let relationships = try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.federationRelationship)
        }
        return Self.makePage(relationships, pagination, key: \.trustDomain.name)
    }

    package func deleteFederationRelationship(
        trustDomain: TrustDomain
    ) async throws(DatastoreError) -> Committed<FederationRelationship> {
        let at = now()
        return try await write { db in
            let key = trustDomain.name
            guard let relationship = try Self.fetchFederationRelationship(db, key) else {
                throw DatastoreError.notFound("federation relationship with trust domain", key)
            }
            try db.execute(sql: "DELETE FROM federation_relationships WHERE trust_domain = ?", arguments: [key])
            let seq = try Self.appendEvent(db, .federationRelationshipDeleted, key, at: at)
            return Committed(value: relationship, seq: seq)
        }
    }

    static let relationshipColumns = "trust_domain, bundle_endpoint_url, bundle_endpoint_profile, endpoint_spiffe_id"

    static func fetchFederationRelationship(_ db: Database, _ key: String) throws -> FederationRelationship? {
        try Row.fetchOne(
            db,
            sql: "SELECT \(relationshipColumns) FROM federation_relationships WHERE trust_domain = ?",
            arguments: [key]
        ).map(federationRelationship)
    }

    /// Creates or replaces `bundle` (when given) and logs its event, inside the caller's transaction.
    static func setBundle(_ db: Database, _ bundle: BundleRecord?, at: Date) throws {
        guard let bundle else { return }
        let key = bundle.trustDomain.name
        let kind: ChangeEvent.Kind = try fetchBundle(db, key) == nil ? .bundleCreated : .bundleUpdated
        try upsertBundle(db, bundle)
        _ = try appendEvent(db, kind, key, at: at)
    }

    static func upsertFederationRelationship(_ db: Database, _ relationship: FederationRelationship) throws {
        let profile = StoredValues.profileColumns(relationship.profile)
        try db.execute(
            sql: """
                INSERT INTO federation_relationships (\(relationshipColumns)) VALUES (?, ?, ?, ?) \
                ON CONFLICT (trust_domain) DO UPDATE SET bundle_endpoint_url = excluded.bundle_endpoint_url, \
                bundle_endpoint_profile = excluded.bundle_endpoint_profile, \
                endpoint_spiffe_id = excluded.endpoint_spiffe_id
                """,
            arguments: [
                relationship.trustDomain.name, relationship.bundleEndpointURL, profile.name, profile.endpointSPIFFEID,
            ]
        )
    }

    static func federationRelationship(_ row: Row) throws -> FederationRelationship {
        try StoredValues.federationRelationship(trustDomain: row[0], url: row[1], profileName: row[2], endpointSPIFFEID: row[3])
    }
}
