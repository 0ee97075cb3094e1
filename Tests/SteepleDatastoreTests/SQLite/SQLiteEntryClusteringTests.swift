import Foundation
import GRDB
import SPIFFE
import SteepleDatastore
import SteepleDatastoreSQLite
import Testing

/// Migration `v6-entries-clustered-by-id`: a store whose entries were written by an earlier build (a rowid
/// `registered_entries`) keeps every entry and child row, and its entries are then stored in ID order.
@Suite("SQLite entries clustered by ID (migration v6)")
struct SQLiteEntryClusteringTests {
    /// The table as schema v5 had it: a rowid table, and `v6` not yet applied. The rows are copied, with foreign
    /// keys off so the child rows stay.
    static func backToV5(_ path: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.inTransaction {
                try db.execute(sql: """
                    CREATE TABLE registered_entries_v5 (
                        id TEXT NOT NULL PRIMARY KEY, spiffe_id TEXT NOT NULL, parent_id TEXT NOT NULL, x509_svid_ttl INTEGER NOT NULL,
                        jwt_svid_ttl INTEGER NOT NULL, admin INTEGER NOT NULL, downstream INTEGER NOT NULL, expires_at INTEGER,
                        revision_number INTEGER NOT NULL, store_svid INTEGER NOT NULL, hint TEXT NOT NULL, created_at INTEGER NOT NULL,
                        jwt_svid_include_jti INTEGER NOT NULL DEFAULT 0, disable_x509_svid_prefetch INTEGER NOT NULL DEFAULT 0);
                    INSERT INTO registered_entries_v5 SELECT * FROM registered_entries;
                    DROP TABLE registered_entries;
                    ALTER TABLE registered_entries_v5 RENAME TO registered_entries;
                    CREATE INDEX registered_entries_parent_id ON registered_entries (parent_id, spiffe_id);
                    CREATE INDEX registered_entries_spiffe_id ON registered_entries (spiffe_id);
                    CREATE INDEX registered_entries_hint ON registered_entries (hint) WHERE hint <> '';
                    CREATE INDEX registered_entries_expires_at ON registered_entries (expires_at) WHERE expires_at IS NOT NULL;
                    DELETE FROM grdb_migrations WHERE identifier = 'v6-entries-clustered-by-id';
                    """)
                return .commit
            }
        }
        try queue.close()
    }

    static func tableSQL(_ path: String) async throws -> String {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'registered_entries'") ?? ""
        }
    }

    @Test("entries of an earlier schema keep every field and child row; the table is then WITHOUT ROWID, deleting an entry still removes its child rows, and listings page in ID order")
    func migratesEntries() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let store = try SQLiteDatastore(path: path)
            try await Fixtures.federatedBundles(store, "partner.org")
            var written: [RegistrationEntry] = []
            for index in 0..<300 {
                var entry = Fixtures.entry(
                    path: "/workload-\(index)", selectors: ["unix:uid:\(index)", "k8s:ns:team-\(index % 7)"],
                    federatesWith: index % 3 == 0 ? ["partner.org"] : [], expiresAt: index % 5 == 0 ? Date(timeIntervalSince1970: 2_000_000_000) : nil,
                    hint: index % 4 == 0 ? "hint-\(index)" : "")
                entry.dnsNames = index % 2 == 0 ? ["w\(index).example.org", "alt\(index).example.org"] : []
                entry.jwtSVIDIncludeJTI = index % 6 == 0
                written.append(try await store.createEntry(entry).value)
            }
            try store.close()
            try await Self.backToV5(path)
            #expect(try await !Self.tableSQL(path).contains("WITHOUT ROWID"), "the test's starting point is a rowid table")

            let migrated = try SQLiteDatastore(path: path)
            #expect(try await migrated.appliedMigrations().last == "v6-entries-clustered-by-id")
            #expect(try await Self.tableSQL(path).contains("WITHOUT ROWID"))
            for entry in written {
                #expect(try await migrated.fetchEntry(id: entry.id) == entry, "\(entry.id) unchanged")
            }
            var listed: [RegistrationEntry] = []
            var token: String?
            repeat {
                let page = try await migrated.listEntries(RegistrationEntryQuery(), pagination: Pagination(token: token, size: 64))
                listed += page.items
                token = page.nextToken
            } while token != nil
            #expect(listed.map(\.id) == written.map(\.id).sorted(), "every entry, in ID order")
            let byUID = try await migrated.listEntries(RegistrationEntryQuery(selectors: SelectorMatch(Fixtures.selectors("unix:uid:42"), mode: .any)), pagination: nil)
            #expect(byUID.items.map(\.id) == [written[42].id])
            _ = try await migrated.deleteEntry(id: written[0].id)
            try migrated.close()
            let deletedID = written[0].id
            let check = try DatabaseQueue(path: path)
            let orphans = try await check.read { db in
                try Int.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM entry_selectors WHERE entry_id = ?) + (SELECT COUNT(*) FROM entry_dns_names WHERE entry_id = ?)
                        + (SELECT COUNT(*) FROM entry_federated_trust_domains WHERE entry_id = ?)
                    """, arguments: [deletedID, deletedID, deletedID]) ?? -1
            }
            #expect(orphans == 0, "the child rows of a deleted entry go with it")
            let violations = try await check.read { db in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count }
            #expect(violations == 0)
            try check.close()
        }
    }
}
