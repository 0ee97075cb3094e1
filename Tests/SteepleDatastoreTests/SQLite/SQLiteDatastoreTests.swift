import Foundation
import GRDB
import SPIFFE
import SteepleDatastore
import SteepleDatastoreSQLite
import Testing

@Suite("SQLiteDatastore")
struct SQLiteDatastoreTests {
    @Test("data persists across close and reopen of the file")
    func persistsAcrossReopen() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let first = try SQLiteDatastore(path: path)
            // The bundle first: an entry may only federate with a trust domain whose bundle is stored.
            let bundle = try await first.setBundle(
                BundleRecord(trustDomain: Fixtures.trustDomain("a.org"), document: [1, 2])
            ).value
            let entry = try await first.createEntry(Fixtures.entry(id: "web", federatesWith: ["a.org"])).value
            let node = try await first.createNode(Fixtures.node("a", selectors: ["aws:region:eu"])).value
            let token = try await first.createJoinToken(
                JoinToken(token: "t", expiresAt: Date(timeIntervalSince1970: 2e9))
            ).value
            let journal = try await first.setCAJournal(id: "s1", data: [9], expectedVersion: nil).value
            try first.close()

            let second = try SQLiteDatastore(path: path)
            #expect(try await second.fetchEntry(id: "web") == entry)
            #expect(try await second.fetchNode(spiffeID: node.spiffeID) == node)
            #expect(try await second.fetchJoinToken("t") == token)
            #expect(try await second.fetchBundle(trustDomain: bundle.trustDomain) == bundle)
            #expect(try await second.fetchCAJournal(id: "s1") == journal)
            #expect(try await second.latestSequence() == 5)
            #expect(try await second.createEntry(Fixtures.entry(id: "api", path: "/api")).seq == 6)
            #expect(try await second.appliedMigrations() == ["v1", "v2-hashed-join-tokens", "v3-federation-relationships", "v4-agent-version", "v5-entry-additional-attributes", "v6-entries-clustered-by-id"])
            try second.close()
        }
    }

    @Test("the applied migrations are recorded, and the file is in WAL mode with synchronous=FULL")
    func migrationsAndDurability() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try SQLiteDatastore(path: directory.appending("store.sqlite"))
            #expect(try await store.appliedMigrations() == ["v1", "v2-hashed-join-tokens", "v3-federation-relationships", "v4-agent-version", "v5-entry-additional-attributes", "v6-entries-clustered-by-id"])
            let settings = try await store.durabilitySettings()
            #expect(settings.synchronous == 2)
            #expect(settings.journalMode == "wal")
            try store.close()
        }
    }

    @Test("the in-memory SQLite store migrates and works")
    func inMemory() async throws {
        let store = try SQLiteDatastore.inMemory()
        #expect(try await store.appliedMigrations() == ["v1", "v2-hashed-join-tokens", "v3-federation-relationships", "v4-agent-version", "v5-entry-additional-attributes", "v6-entries-clustered-by-id"])
        _ = try await store.createEntry(Fixtures.entry(id: "web"))
        #expect(try await store.countEntries(.init()) == 1)
    }

    @Test("a file migrated by a newer build fails to open with migration")
    func newerSchema() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            try SQLiteDatastore(path: path).close()
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            }
            try queue.close()
            let error = #expect(throws: DatastoreError.self) { try SQLiteDatastore(path: path) }
            #expect(error?.code == .migration)
        }
    }

    @Test("a file that is not a database fails to open with storage")
    func notADatabase() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("garbage.sqlite")
            try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: DatastoreError.self) { try SQLiteDatastore(path: path) }
            #expect(error?.code == .storage)
        }
    }

    @Test("a stored value that no longer parses is read back as corruptRecord")
    func corruptRecord() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.appending("store.sqlite")
            let store = try SQLiteDatastore(path: path)
            _ = try await store.createEntry(Fixtures.entry(id: "web"))
            try store.close()
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "UPDATE registered_entries SET spiffe_id = 'not a SPIFFE ID' WHERE id = 'web'")
            }
            try queue.close()
            let reopened = try SQLiteDatastore(path: path)
            await expectError(.corruptRecord) { _ = try await reopened.fetchEntry(id: "web") }
            try reopened.close()
        }
    }
}
