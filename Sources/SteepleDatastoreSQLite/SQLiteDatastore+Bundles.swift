import GRDB
package import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLiteDatastore: BundleStore {
    package func createBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { db in
            let key = bundle.trustDomain.name
            if try Self.fetchBundle(db, key) != nil {
                throw DatastoreError.alreadyExists("bundle of trust domain", key)
            }
            try Self.upsertBundle(db, bundle)
            return Committed(value: bundle, seq: try Self.appendEvent(db, .bundleCreated, key, at: at))
        }
    }

    package func updateBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { db in
            let key = bundle.trustDomain.name
            guard try Self.fetchBundle(db, key) != nil else {
                throw DatastoreError.notFound("bundle of trust domain", key)
            }
            try Self.upsertBundle(db, bundle)
            return Committed(value: bundle, seq: try Self.appendEvent(db, .bundleUpdated, key, at: at))
        }
    }

    package func setBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { db in
            let key = bundle.trustDomain.name
            let kind: ChangeEvent.Kind = try Self.fetchBundle(db, key) == nil ? .bundleCreated : .bundleUpdated
            try Self.upsertBundle(db, bundle)
            return Committed(value: bundle, seq: try Self.appendEvent(db, kind, key, at: at))
        }
    }

    package func reviseBundle(
        trustDomain: TrustDomain, _ revise: @escaping @Sendable (BundleRecord?) -> BundleRecord?
    ) async throws(DatastoreError) -> Committed<BundleRecord>? {
        let at = now()
        return try await write { db in
            let key = trustDomain.name
            let current = try Self.fetchBundle(db, key)
            guard let revised = revise(current) else { return nil }
            try Self.upsertBundle(db, revised)
            return Committed(value: revised, seq: try Self.appendEvent(db, current == nil ? .bundleCreated : .bundleUpdated, key, at: at))
        }
    }

    package func fetchBundle(trustDomain: TrustDomain) async throws(DatastoreError) -> BundleRecord? {
        try await read { db in try Self.fetchBundle(db, trustDomain.name) }
    }

    package func listBundles(pagination: Pagination?) async throws(DatastoreError) -> Page<BundleRecord> {
        try pagination?.validate()
        var filter = SQLFilter()
        let page = Self.pageClause(pagination, keyColumn: "trust_domain")
        if let clause = page.where, let token = pagination?.token {
            filter.add(clause, token)
        }
        let sql = """
            SELECT trust_domain, document, sequence_number FROM bundles \(filter.whereSQL) \
            ORDER BY trust_domain \(page.limit)
            """
        let arguments = filter.statementArguments()
        let bundles = try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.bundle)
        }
        return Self.makePage(bundles, pagination, key: \.trustDomain.name)
    }

    package func countBundles() async throws(DatastoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bundles") ?? 0 }
    }

    package func deleteBundle(trustDomain: TrustDomain) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { db in
            let key = trustDomain.name
            guard let bundle = try Self.fetchBundle(db, key) else {
                throw DatastoreError.notFound("bundle of trust domain", key)
            }
            let federating =
                try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM entry_federated_trust_domains WHERE trust_domain = ?",
                    arguments: [key]
                ) ?? 0
            guard federating == 0 else {
                throw DatastoreError.bundleInUse(key, entryCount: federating)
            }
            try db.execute(sql: "DELETE FROM bundles WHERE trust_domain = ?", arguments: [key])
            return Committed(value: bundle, seq: try Self.appendEvent(db, .bundleDeleted, key, at: at))
        }
    }

    static func fetchBundle(_ db: Database, _ key: String) throws -> BundleRecord? {
        try Row.fetchOne(
            db,
            sql: "SELECT trust_domain, document, sequence_number FROM bundles WHERE trust_domain = ?",
            arguments: [key]
        ).map(bundle)
    }

    static func upsertBundle(_ db: Database, _ bundle: BundleRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO bundles (trust_domain, document, sequence_number) VALUES (?, ?, ?) \
                ON CONFLICT (trust_domain) DO UPDATE SET document = excluded.document, \
                sequence_number = excluded.sequence_number
                """,
            arguments: [bundle.trustDomain.name, Data(bundle.document), Int64(bitPattern: bundle.sequenceNumber)]
        )
    }

    static func bundle(_ row: Row) throws -> BundleRecord {
        let name: String = row[0]
        let trustDomain: TrustDomain
        do {
            trustDomain = try TrustDomain(name)
        } catch {
            throw corrupt("trust domain of a bundle is not valid: \(name)", error)
        }
        let document: Data = row[1]
        let sequence: Int64 = row[2]
        return BundleRecord(
            trustDomain: trustDomain,
            document: [UInt8](document),
            sequenceNumber: UInt64(bitPattern: sequence)
        )
    }
}
