import GRDB
import SteepleDatastore

/// The schema, as a list of named migrations applied in order and recorded in `grdb_migrations`.
///
/// Never edit a migration that has shipped: add the next one (`v2`, …). Times are `INTEGER` Unix seconds;
/// keys compare with SQLite's default `BINARY` collation (UTF-8 bytes), the order every store pages in.
enum SQLiteMigrations {
    /// Every migration, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-hashed-join-tokens") { db in
            try hashJoinTokens(db)
        }
        migrator.registerMigration("v3-federation-relationships") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4-agent-version") { db in
            // SPIRE's attested_nodes.agent_version: what the agent reports with PostStatus.
            try db.execute(sql: "ALTER TABLE attested_nodes ADD COLUMN agent_version TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("v5-entry-additional-attributes") { db in
            // SPIRE's Entry.additional_attributes.
            try db.execute(sql: "ALTER TABLE registered_entries ADD COLUMN jwt_svid_include_jti INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE registered_entries ADD COLUMN disable_x509_svid_prefetch INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v6-entries-clustered-by-id") { db in
            // Foreign keys are off during a migration (GRDB's deferred checks), so dropping the old table does not
            // cascade to the child rows; they are checked before the migration commits.
            try db.execute(sql: v6)
        }
        return migrator
    }

    /// Migrates the database, refusing one that a newer build has migrated further.
    static func migrate(_ writer: any DatabaseWriter, path: String) throws(DatastoreError) {
        do {
            let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                let unknown = try writer.read { db in
                    try migrator.appliedIdentifiers(db).subtracting(migrator.migrations).sorted()
                }
                throw DatastoreError(
                    code: .migration,
                    message:
                        "the database at \(path) has migrations this build does not know (\(unknown.joined(separator: ", "))): it was written by a newer server"
                )
            }
            try migrator.migrate(writer)
        } catch let error as DatastoreError {
            throw error
        } catch {
            throw DatastoreError(
                code: .migration,
                message: "cannot migrate the database at \(path): \(error)",
                cause: error as? DatabaseError
            )
        }
    }

    /// `v2`: join tokens, and the change-log events that named them, hold the token's SHA-256 instead of the token
    /// (``JoinTokenDigest``). Rows written by `v1` are rewritten in place.
    static func hashJoinTokens(_ db: Database) throws {
        let tokens = try Row.fetchAll(db, sql: "SELECT token, expires_at FROM join_tokens")
        try db.execute(sql: "DELETE FROM join_tokens")
        for row in tokens {
            let token: String = try row.decode(atIndex: 0)
            let expiresAt: Int64 = try row.decode(atIndex: 1)
            try db.execute(sql: "INSERT OR REPLACE INTO join_tokens (token, expires_at) VALUES (?, ?)", arguments: [JoinTokenDigest.hex(token), expiresAt])
        }
        let events = try Row.fetchAll(
            db, sql: "SELECT seq, object_id FROM change_log WHERE kind IN ('joinTokenCreated', 'joinTokenDeleted')")
        for row in events {
            let seq: Int64 = try row.decode(atIndex: 0)
            let token: String = try row.decode(atIndex: 1)
            try db.execute(sql: "UPDATE change_log SET object_id = ? WHERE seq = ?", arguments: [JoinTokenDigest.hex(token), seq])
        }
    }

    /// The first schema: entries (with selectors, federated trust domains and DNS names in their own tables),
    /// attested nodes and their selectors, join tokens, bundles, CA journals and the change log.
    static let v1 = """
        CREATE TABLE registered_entries (
            id TEXT NOT NULL PRIMARY KEY,
            spiffe_id TEXT NOT NULL,
            parent_id TEXT NOT NULL,
            x509_svid_ttl INTEGER NOT NULL,
            jwt_svid_ttl INTEGER NOT NULL,
            admin INTEGER NOT NULL,
            downstream INTEGER NOT NULL,
            expires_at INTEGER,
            revision_number INTEGER NOT NULL,
            store_svid INTEGER NOT NULL,
            hint TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX registered_entries_parent_id ON registered_entries (parent_id, spiffe_id);
        CREATE INDEX registered_entries_spiffe_id ON registered_entries (spiffe_id);
        CREATE INDEX registered_entries_hint ON registered_entries (hint) WHERE hint <> '';
        CREATE INDEX registered_entries_expires_at ON registered_entries (expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE entry_selectors (
            entry_id TEXT NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (entry_id, type, value)
        ) WITHOUT ROWID;
        CREATE INDEX entry_selectors_selector ON entry_selectors (type, value);

        CREATE TABLE entry_federated_trust_domains (
            entry_id TEXT NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
            trust_domain TEXT NOT NULL,
            PRIMARY KEY (entry_id, trust_domain)
        ) WITHOUT ROWID;
        CREATE INDEX entry_federated_trust_domains_trust_domain ON entry_federated_trust_domains (trust_domain);

        CREATE TABLE entry_dns_names (
            entry_id TEXT NOT NULL REFERENCES registered_entries (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            PRIMARY KEY (entry_id, position)
        ) WITHOUT ROWID;

        CREATE TABLE attested_nodes (
            spiffe_id TEXT NOT NULL PRIMARY KEY,
            attestation_type TEXT NOT NULL,
            cert_serial_number TEXT NOT NULL,
            cert_not_after INTEGER NOT NULL,
            new_cert_serial_number TEXT,
            new_cert_not_after INTEGER,
            can_reattest INTEGER NOT NULL,
            banned INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE INDEX attested_nodes_attestation_type ON attested_nodes (attestation_type);
        CREATE INDEX attested_nodes_cert_not_after ON attested_nodes (cert_not_after);
        CREATE INDEX attested_nodes_banned ON attested_nodes (banned) WHERE banned = 1;

        CREATE TABLE node_selectors (
            spiffe_id TEXT NOT NULL REFERENCES attested_nodes (spiffe_id) ON DELETE CASCADE,
            type TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (spiffe_id, type, value)
        ) WITHOUT ROWID;
        CREATE INDEX node_selectors_selector ON node_selectors (type, value);

        CREATE TABLE join_tokens (
            token TEXT NOT NULL PRIMARY KEY,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX join_tokens_expires_at ON join_tokens (expires_at);

        CREATE TABLE bundles (
            trust_domain TEXT NOT NULL PRIMARY KEY,
            document BLOB NOT NULL,
            sequence_number INTEGER NOT NULL
        );

        CREATE TABLE ca_journals (
            id TEXT NOT NULL PRIMARY KEY,
            version INTEGER NOT NULL,
            data BLOB NOT NULL,
            updated_at INTEGER NOT NULL,
            change_seq INTEGER NOT NULL
        );
        CREATE INDEX ca_journals_change_seq ON ca_journals (change_seq);

        CREATE TABLE change_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            object_id TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        """

    /// `v6`: `registered_entries` becomes a `WITHOUT ROWID` table, its rows stored in ID order (SQLite's documented
    /// way: a new table, the rows copied, the old one dropped, the new one renamed, its indexes made again). Every
    /// listing and the server's initial load read entries in ID order; in a rowid table that order is the primary key
    /// index's, and each row is then a look-up of a random page of the table. The child tables were already clustered
    /// by entry ID.
    static let v6 = """
        CREATE TABLE registered_entries_by_id (
            id TEXT NOT NULL PRIMARY KEY,
            spiffe_id TEXT NOT NULL,
            parent_id TEXT NOT NULL,
            x509_svid_ttl INTEGER NOT NULL,
            jwt_svid_ttl INTEGER NOT NULL,
            admin INTEGER NOT NULL,
            downstream INTEGER NOT NULL,
            expires_at INTEGER,
            revision_number INTEGER NOT NULL,
            store_svid INTEGER NOT NULL,
            hint TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            jwt_svid_include_jti INTEGER NOT NULL DEFAULT 0,
            disable_x509_svid_prefetch INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        INSERT INTO registered_entries_by_id (
            id, spiffe_id, parent_id, x509_svid_ttl, jwt_svid_ttl, admin, downstream, expires_at, revision_number,
            store_svid, hint, created_at, jwt_svid_include_jti, disable_x509_svid_prefetch)
        SELECT
            id, spiffe_id, parent_id, x509_svid_ttl, jwt_svid_ttl, admin, downstream, expires_at, revision_number,
            store_svid, hint, created_at, jwt_svid_include_jti, disable_x509_svid_prefetch
        FROM registered_entries ORDER BY id;
        DROP TABLE registered_entries;
        ALTER TABLE registered_entries_by_id RENAME TO registered_entries;
        CREATE INDEX registered_entries_parent_id ON registered_entries (parent_id, spiffe_id);
        CREATE INDEX registered_entries_spiffe_id ON registered_entries (spiffe_id);
        CREATE INDEX registered_entries_hint ON registered_entries (hint) WHERE hint <> '';
        CREATE INDEX registered_entries_expires_at ON registered_entries (expires_at) WHERE expires_at IS NOT NULL;
        """

    /// `v3`: federation relationships, keyed by foreign trust domain (their bundles stay in `bundles`).
    static let v3 = """
        CREATE TABLE federation_relationships (
            trust_domain TEXT NOT NULL PRIMARY KEY,
            bundle_endpoint_url TEXT NOT NULL,
            bundle_endpoint_profile TEXT NOT NULL,
            endpoint_spiffe_id TEXT
        );
        """
}
