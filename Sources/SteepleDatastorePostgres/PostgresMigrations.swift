import Foundation
import PostgresNIO
import SteepleDatastore

/// The PostgreSQL schema, as named migrations applied in order and recorded in `steeple_migrations`.
///
/// The same tables as SQLite's (``SQLiteMigrations`` in the SQLite store), in PostgreSQL's types: times are `BIGINT`
/// Unix seconds, keys are `TEXT COLLATE "C"` so that they sort by UTF-8 bytes as every store pages. Never edit a
/// migration that has shipped: add the next one. Servers that start together migrate under one advisory lock.
enum PostgresMigrations {
    /// Every migration, in order: `(identifier, SQL)`.
    static let all: [(id: String, sql: String)] = [
        ("v1", v1),
        // SPIRE's attested_nodes.agent_version: what the agent reports with PostStatus.
        ("v2-agent-version", "ALTER TABLE attested_nodes ADD COLUMN agent_version TEXT NOT NULL DEFAULT ''"),
        // SPIRE's Entry.additional_attributes.
        ("v3-entry-additional-attributes", """
            ALTER TABLE registered_entries ADD COLUMN jwt_svid_include_jti BOOLEAN NOT NULL DEFAULT false;
            ALTER TABLE registered_entries ADD COLUMN disable_x509_svid_prefetch BOOLEAN NOT NULL DEFAULT false
            """),
    ]

    /// The advisory lock every server takes while it migrates (an arbitrary constant: "steeple" in ASCII).
    static let lockKey: Int64 = 0x73_74_65_65_70_6c_65

    /// Applies what is missing, refusing a database that a newer build has migrated further.
    static func migrate(_ store: PostgresDatastore) async throws(DatastoreError) {
        do {
            try await store.client.withConnection { connection in
                let session = PostgresSession(connection: connection, logger: store.logger)
                try await session.execute("SELECT pg_advisory_lock(\(lockKey))")
                do {
                    try await apply(session, store.description)
                    try await session.execute("SELECT pg_advisory_unlock(\(lockKey))")
                } catch {
                    try? await session.execute("SELECT pg_advisory_unlock(\(lockKey))")
                    throw error
                }
            }
        } catch let error as DatastoreError {
            throw error
        } catch {
            let storage = PostgresDatastore.storageError("cannot migrate the PostgreSQL database at \(store.description)", error)
            throw DatastoreError(code: .migration, message: storage.message)
        }
    }

    private static func apply(_ session: PostgresSession, _ description: String) async throws {
        try await session.execute(
            "CREATE TABLE IF NOT EXISTS steeple_migrations (id TEXT COLLATE \"C\" NOT NULL PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        let applied = Set(try await session.column("SELECT id FROM steeple_migrations", as: String.self))
        let unknown = applied.subtracting(all.map(\.id)).sorted()
        guard unknown.isEmpty else {
            throw DatastoreError(
                code: .migration,
                message: "the database at \(description) has migrations this build does not know (\(unknown.joined(separator: ", "))): it was written by a newer server"
            )
        }
        for migration in all where !applied.contains(migration.id) {
            try await session.execute("BEGIN")
            do {
                // One statement per execute: the extended protocol takes one at a time.
                for statement in migration.sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }) where !statement.isEmpty {
                    try await session.execute(PostgresQuery(unsafeSQL: statement))
                }
                try await session.execute("INSERT INTO steeple_migrations (id) VALUES (\(migration.id))")
                try await session.execute("COMMIT")
            } catch {
                try? await session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// The first schema: SQLite's `v1`…`v3` in one (entries with their selectors, federated trust domains and DNS
    /// names; attested nodes and their selectors; join tokens by SHA-256; bundles; CA journals; federation
    /// relationships; the change log and its head row, whose lock serialises writers).
    static let v1 = """
        CREATE TABLE registered_entries (
            id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            spiffe_id TEXT COLLATE "C" NOT NULL,
            parent_id TEXT COLLATE "C" NOT NULL,
            x509_svid_ttl BIGINT NOT NULL,
            jwt_svid_ttl BIGINT NOT NULL,
            admin BOOLEAN NOT NULL,
            downstream BOOLEAN NOT NULL,
            expires_at BIGINT,
            revision_number BIGINT NOT NULL,
            store_svid BOOLEAN NOT NULL,
            hint TEXT COLLATE "C" NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE INDEX registered_entries_parent_id ON registered_entries (parent_id, spiffe_id);
        CREATE INDEX registered_entries_spiffe_id ON registered_entries (spiffe_id);
        CREATE INDEX registered_entries_hint ON registered_entries (hint) WHERE hint <> '';
        CREATE INDEX registered_entries_expires_at ON registered_entries (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE entry_selectors (
            entry_id TEXT COLLATE "C" NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
            type TEXT COLLATE "C" NOT NULL,
            value TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (entry_id, type, value)
        );
        CREATE INDEX entry_selectors_selector ON entry_selectors (type, value);

        CREATE TABLE entry_federated_trust_domains (
            entry_id TEXT COLLATE "C" NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
            trust_domain TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (entry_id, trust_domain)
        );
        CREATE INDEX entry_federated_trust_domains_trust_domain ON entry_federated_trust_domains (trust_domain);

        CREATE TABLE entry_dns_names (
            entry_id TEXT COLLATE "C" NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
            position BIGINT NOT NULL,
            name TEXT NOT NULL,
            PRIMARY KEY (entry_id, position)
        );

        CREATE TABLE attested_nodes (
            spiffe_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            attestation_type TEXT COLLATE "C" NOT NULL,
            cert_serial_number TEXT NOT NULL,
            cert_not_after BIGINT NOT NULL,
            new_cert_serial_number TEXT,
            new_cert_not_after BIGINT,
            can_reattest BOOLEAN NOT NULL,
            banned BOOLEAN NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE INDEX attested_nodes_attestation_type ON attested_nodes (attestation_type);
        CREATE INDEX attested_nodes_cert_not_after ON attested_nodes (cert_not_after);
        CREATE INDEX attested_nodes_banned ON attested_nodes (banned) WHERE banned;

        CREATE TABLE node_selectors (
            spiffe_id TEXT COLLATE "C" NOT NULL REFERENCES attested_nodes (spiffe_id) ON DELETE CASCADE,
            type TEXT COLLATE "C" NOT NULL,
            value TEXT COLLATE "C" NOT NULL,
            PRIMARY KEY (spiffe_id, type, value)
        );
        CREATE INDEX node_selectors_selector ON node_selectors (type, value);

        CREATE TABLE join_tokens (
            token TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            expires_at BIGINT NOT NULL
        );
        CREATE INDEX join_tokens_expires_at ON join_tokens (expires_at);

        CREATE TABLE bundles (
            trust_domain TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            document BYTEA NOT NULL,
            sequence_number BIGINT NOT NULL
        );

        CREATE TABLE ca_journals (
            id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            version BIGINT NOT NULL,
            data BYTEA NOT NULL,
            updated_at BIGINT NOT NULL,
            change_seq BIGINT NOT NULL
        );
        CREATE INDEX ca_journals_change_seq ON ca_journals (change_seq);

        CREATE TABLE federation_relationships (
            trust_domain TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            bundle_endpoint_url TEXT NOT NULL,
            bundle_endpoint_profile TEXT NOT NULL,
            endpoint_spiffe_id TEXT
        );

        CREATE TABLE change_log (
            seq BIGINT NOT NULL PRIMARY KEY,
            kind TEXT NOT NULL,
            object_id TEXT NOT NULL,
            created_at BIGINT NOT NULL
        );
        CREATE TABLE change_log_head (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            seq BIGINT NOT NULL
        );
        INSERT INTO change_log_head (id, seq) VALUES (1, 0)
        """
}
