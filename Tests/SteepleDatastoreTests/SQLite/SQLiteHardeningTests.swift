import Foundation
import GRDB
import SPIFFE
import SteepleDatastore
import SteepleDatastoreSQLite
import Synchronization
import Testing

/// Issue #11 on the SQLite store: files only the server's user may read, join tokens kept as hashes, and rows the
/// server cannot use that never stop a list or the entry index.
@Suite("SQLiteDatastore hardening")
struct SQLiteHardeningTests {
    static func mode(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.posixPermissions] as? Int ?? -1) & 0o777
    }

    @Test("the database, -wal and -shm files are created 0600")
    func createdPrivate() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let store = try SQLiteDatastore(path: path)
            _ = try await store.createEntry(Fixtures.entry(id: "web"))
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file) missing")
                #expect(Self.mode(file) == 0o600, "\(file) is \(String(Self.mode(file), radix: 8))")
            }
            try store.close()
        }
    }

    @Test("files left 0644 by an older build are tightened to 0600 on open")
    func tightenedOnOpen() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let store = try SQLiteDatastore(path: path)
            _ = try await store.createEntry(Fixtures.entry(id: "web"))
            for file in [path, path + "-wal", path + "-shm"] { chmod(file, 0o644) }
            let reopened = try SQLiteDatastore(path: path)
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                #expect(Self.mode(file) == 0o600, "\(file) is \(String(Self.mode(file), radix: 8))")
            }
            try reopened.close()
            try store.close()
        }
    }

    @Test("a join token is stored as its SHA-256: no file holds the token, lookup and consume still work")
    func hashedTokens() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let store = try SQLiteDatastore(path: path)
            let token = "3f2a9c1e-secret-token-value"
            _ = try await store.createJoinToken(JoinToken(token: token, expiresAt: Date(timeIntervalSince1970: 2e9)))
            var bytes = Data()
            for file in [path, path + "-wal"] { bytes += (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data() }
            #expect(bytes.range(of: Data(token.utf8)) == nil, "the token is stored in plain text")
            #expect(try await store.fetchJoinToken(token) != nil)
            #expect(try await store.consumeJoinToken(token).value.token == token)
            #expect(try await store.fetchJoinToken(token) == nil)
            try store.close()
        }
    }

    @Test("tokens written in plain text by schema v1 are hashed by the migration and still work; v1 nodes get an empty agent version")
    func migratesPlainTokens() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            try SQLiteDatastore(path: path).close()
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                // Back to schema v1: later migrations unrecorded, and the tables they add gone.
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier <> 'v1'")
                try db.execute(sql: "DROP TABLE federation_relationships")
                try db.execute(sql: "ALTER TABLE attested_nodes DROP COLUMN agent_version")
                try db.execute(sql: "ALTER TABLE registered_entries DROP COLUMN jwt_svid_include_jti")
                try db.execute(sql: "ALTER TABLE registered_entries DROP COLUMN disable_x509_svid_prefetch")
                try db.execute(sql: "INSERT INTO attested_nodes (spiffe_id, attestation_type, cert_serial_number, cert_not_after, can_reattest, banned, created_at) VALUES ('spiffe://example.org/spire/agent/join_token/v1', 'join_token', '01', 2000000000, 0, 0, 1)")
                try db.execute(sql: "INSERT INTO join_tokens (token, expires_at) VALUES ('old-plain-token', 2000000000)")
                try db.execute(sql: "INSERT INTO change_log (kind, object_id, created_at) VALUES ('joinTokenCreated', 'old-plain-token', 1)")
            }
            try queue.close()
            let store = try SQLiteDatastore(path: path)
            #expect(try await store.appliedMigrations() == ["v1", "v2-hashed-join-tokens", "v3-federation-relationships", "v4-agent-version", "v5-entry-additional-attributes", "v6-entries-clustered-by-id"])
            #expect(try await store.fetchJoinToken("old-plain-token") != nil)
            // A node stored before v4 reads with no agent version, and takes one.
            let v1Node = try SPIFFEID("spiffe://example.org/spire/agent/join_token/v1")
            #expect(try await store.fetchNode(spiffeID: v1Node)?.agentVersion == "")
            #expect(try await store.setAgentVersion("1.12.0", spiffeID: v1Node).value.agentVersion == "1.12.0")
            try store.close()
            let check = try DatabaseQueue(path: path)
            let plain = try await check.read { db in
                try Int.fetchOne(db, sql: "SELECT (SELECT COUNT(*) FROM join_tokens WHERE token = 'old-plain-token') + (SELECT COUNT(*) FROM change_log WHERE object_id = 'old-plain-token')") ?? -1
            }
            #expect(plain == 0)
            try check.close()
        }
    }

    @Test("rows the server cannot use are skipped by lists and by fetches of many IDs, reported with their ID, and can be deleted")
    func unreadableRowsSkipped() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let first = try SQLiteDatastore(path: path)
            for id in ["a-good", "b-expiry", "c-id", "d-ttl", "e-selector", "f-created"] {
                _ = try await first.createEntry(Fixtures.entry(id: id, path: "/\(id)"))
            }
            try first.close()
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "UPDATE registered_entries SET expires_at = 9223372036854775807 WHERE id = 'b-expiry'")
                try db.execute(sql: "UPDATE registered_entries SET spiffe_id = 'not an ID' WHERE id = 'c-id'")
                try db.execute(sql: "UPDATE registered_entries SET x509_svid_ttl = -1 WHERE id = 'd-ttl'")
                try db.execute(sql: "UPDATE entry_selectors SET type = '' WHERE entry_id = 'e-selector'")
                try db.execute(sql: "UPDATE registered_entries SET created_at = -9223372036854775808 WHERE id = 'f-created'")
            }
            try queue.close()
            let reported = Mutex<[String]>([])
            let store = try SQLiteDatastore(path: path, unreadable: { id, error in
                #expect(error.code == .corruptRecord)
                reported.withLock { $0.append(id) }
            })
            let bad = ["b-expiry", "c-id", "d-ttl", "e-selector", "f-created"]
            #expect(try await store.listEntries().map(\.id) == ["a-good"])
            #expect(try await store.listEntries(.init(), pagination: Pagination(token: nil, size: 2)).items.map(\.id) == ["a-good"])
            #expect(Set(reported.withLock { $0 }) == Set(bad))
            #expect(try await store.fetchEntries(ids: ["a-good"] + bad).keys.sorted() == ["a-good"])
            // The record's name is built only for the error, and the error still names the column and the entry.
            for (id, named) in [("b-expiry", "expires_at of entry b-expiry"), ("f-created", "created_at of entry f-created"), ("d-ttl", "of entry d-ttl is")] {
                let error = await #expect(throws: DatastoreError.self) { _ = try await store.fetchEntry(id: id) }
                #expect(error?.message.contains(named) == true, "\(String(describing: error?.message))")
            }
            for id in bad {
                await expectError(.corruptRecord) { _ = try await store.fetchEntry(id: id) }
                let deleted = try await store.deleteEntry(id: id)
                #expect(deleted.value == nil)
            }
            #expect(try await store.countEntries(.init()) == 1)
            try store.close()
        }
    }

    @Test("a node row the server cannot use is skipped by node lists and reported; fetching it is corruptRecord")
    func unreadableNodeSkipped() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let first = try SQLiteDatastore(path: path)
            _ = try await first.createNode(Fixtures.node("a"))
            _ = try await first.createNode(Fixtures.node("b"))
            try first.close()
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "UPDATE attested_nodes SET cert_not_after = 9223372036854775807 WHERE spiffe_id LIKE '%/a'")
            }
            try queue.close()
            let reported = Mutex<[String]>([])
            let store = try SQLiteDatastore(path: path, unreadable: { key, _ in reported.withLock { $0.append(key) } })
            let nodes = try await store.listNodes(AttestedNodeQuery())
            #expect(nodes.count == 1)
            // A page that ends on the unreadable row still leads on to the next.
            var seen: [String] = []
            var token: String?
            repeat {
                let page = try await store.listNodes(AttestedNodeQuery(), pagination: Pagination(token: token, size: 1))
                seen += page.items.map(\.spiffeID.string)
                token = page.nextToken
            } while token != nil
            #expect(seen == nodes.map(\.spiffeID.string))
            #expect(Set(reported.withLock { $0 }).count == 1)
            let bad = try #require(reported.withLock { $0 }.first)
            await expectError(.corruptRecord) { _ = try await store.fetchNode(spiffeID: try SPIFFEID(bad)) }
            try store.close()
        }
    }
}
