import NIOCore
import PostgresNIO
package import SPIFFE
package import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension PostgresDatastore: BundleStore {
    package func createBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { session in
            let key = bundle.trustDomain.name
            if try await Self.fetchBundle(session, key) != nil {
                throw DatastoreError.alreadyExists("bundle of trust domain", key)
            }
            try await Self.upsertBundle(session, bundle)
            return Committed(value: bundle, seq: try await Self.appendEvent(session, .bundleCreated, key, at: at))
        }
    }

    package func updateBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { session in
            let key = bundle.trustDomain.name
            guard try await Self.fetchBundle(session, key) != nil else {
                throw DatastoreError.notFound("bundle of trust domain", key)
            }
            try await Self.upsertBundle(session, bundle)
            return Committed(value: bundle, seq: try await Self.appendEvent(session, .bundleUpdated, key, at: at))
        }
    }

    package func setBundle(_ bundle: BundleRecord) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { session in
            let seq = try await Self.setBundle(session, bundle, at: at)
            return Committed(value: bundle, seq: seq)
        }
    }

    package func reviseBundle(
        trustDomain: TrustDomain, _ revise: @escaping @Sendable (BundleRecord?) -> BundleRecord?
    ) async throws(DatastoreError) -> Committed<BundleRecord>? {
        let at = now()
        return try await write { session in
            guard let revised = revise(try await Self.fetchBundle(session, trustDomain.name)) else { return nil }
            return Committed(value: revised, seq: try await Self.setBundle(session, revised, at: at))
        }
    }

    package func fetchBundle(trustDomain: TrustDomain) async throws(DatastoreError) -> BundleRecord? {
        try await read { session in try await Self.fetchBundle(session, trustDomain.name) }
    }

    package func listBundles(pagination: Pagination?) async throws(DatastoreError) -> Page<BundleRecord> {
        try pagination?.validate()
        var filter = PostgresFilter()
        let limit = filter.page(pagination, keyColumn: "trust_domain")
        let sql = filter.query("SELECT trust_domain, document, sequence_number FROM bundles \(filter.whereSQL) ORDER BY trust_domain \(limit)")
        let bundles = try await read(replica: true) { session in try await session.rows(sql).map(Self.bundle) }
        return Page.cut(bundles, pagination, key: \.trustDomain.name)
    }

    package func countBundles() async throws(DatastoreError) -> Int {
        try await read(replica: true) { session in try await session.one("SELECT COUNT(*) FROM bundles", as: Int.self) }
    }

    package func deleteBundle(trustDomain: TrustDomain) async throws(DatastoreError) -> Committed<BundleRecord> {
        let at = now()
        return try await write { session in
            let key = trustDomain.name
            guard let bundle = try await Self.fetchBundle(session, key) else {
                throw DatastoreError.notFound("bundle of trust domain", key)
            }
            let federating = try await session.one(
                "SELECT COUNT(*) FROM entry_federated_trust_domains WHERE trust_domain = \(key)", as: Int.self)
            guard federating == 0 else {
                throw DatastoreError.bundleInUse(key, entryCount: federating)
            }
            try await session.execute("DELETE FROM bundles WHERE trust_domain = \(key)")
            return Committed(value: bundle, seq: try await Self.appendEvent(session, .bundleDeleted, key, at: at))
        }
    }

    static func fetchBundle(_ session: PostgresSession, _ key: String) async throws -> BundleRecord? {
        try await session.rows("SELECT trust_domain, document, sequence_number FROM bundles WHERE trust_domain = \(key)").first.map(bundle)
    }

    /// Creates or replaces `bundle` and logs its event (created or updated), inside the caller's transaction.
    static func setBundle(_ session: PostgresSession, _ bundle: BundleRecord, at: Date) async throws -> UInt64 {
        let key = bundle.trustDomain.name
        let kind: ChangeEvent.Kind = try await fetchBundle(session, key) == nil ? .bundleCreated : .bundleUpdated
        try await upsertBundle(session, bundle)
        return try await appendEvent(session, kind, key, at: at)
    }

    static func upsertBundle(_ session: PostgresSession, _ bundle: BundleRecord) async throws {
        try await session.execute(
            """
            INSERT INTO bundles (trust_domain, document, sequence_number)
            VALUES (\(bundle.trustDomain.name), \(ByteBuffer(bytes: bundle.document)), \(Int64(bitPattern: bundle.sequenceNumber)))
            ON CONFLICT (trust_domain) DO UPDATE SET document = excluded.document, sequence_number = excluded.sequence_number
            """)
    }

    static func bundle(_ row: PostgresRow) throws -> BundleRecord {
        let (name, document, sequence) = try row.decode((String, ByteBuffer, Int64).self)
        return BundleRecord(
            trustDomain: try StoredValues.trustDomain(name, of: "a bundle"),
            document: Array(buffer: document),
            sequenceNumber: UInt64(bitPattern: sequence)
        )
    }
}
