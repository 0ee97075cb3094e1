import SteepleDatastore
import Testing

@Suite("CAJournalStore conformance")
struct CAJournalStoreTests {
    @Test("set creates version 1, then bumps the version and updatedAt", arguments: DatastoreKind.allCases)
    func setAndFetch(kind: DatastoreKind) async throws {
        let clock = TestClock()
        try await kind.withStore(clock: clock) { store in
            let first = try await store.setCAJournal(id: "server-1", data: [1, 2, 3], expectedVersion: 0)
            #expect(first.value.version == 1)
            #expect(first.value.updatedAt == clock.now())
            clock.advance(by: 10)
            let second = try await store.setCAJournal(id: "server-1", data: [4], expectedVersion: 1)
            #expect(second.value.version == 2)
            #expect(second.value.updatedAt == clock.now())
            #expect(try await store.fetchCAJournal(id: "server-1") == second.value)
            #expect(try await store.fetchCAJournal(id: "server-2") == nil)
            _ = try await store.setCAJournal(id: "server-1", data: [5], expectedVersion: nil)
            #expect(try await store.fetchCAJournal(id: "server-1")?.version == 3)
        }
    }

    @Test("set with a stale expected version fails with conflict", arguments: DatastoreKind.allCases)
    func conflict(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.setCAJournal(id: "server-1", data: [1], expectedVersion: nil)
            await expectError(.conflict) {
                _ = try await store.setCAJournal(id: "server-1", data: [2], expectedVersion: 0)
            }
            await expectError(.conflict) {
                _ = try await store.setCAJournal(id: "server-2", data: [2], expectedVersion: 1)
            }
            #expect(try await store.fetchCAJournal(id: "server-1")?.data == [1])
        }
    }

    @Test("fetch latest returns the journal written last", arguments: DatastoreKind.allCases)
    func latest(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.fetchLatestCAJournal() == nil)
            _ = try await store.setCAJournal(id: "b", data: [1], expectedVersion: nil)
            _ = try await store.setCAJournal(id: "a", data: [2], expectedVersion: nil)
            #expect(try await store.fetchLatestCAJournal()?.id == "a")
            _ = try await store.setCAJournal(id: "b", data: [3], expectedVersion: nil)
            #expect(try await store.fetchLatestCAJournal()?.id == "b")
            #expect(try await store.listCAJournals().map(\.id) == ["a", "b"])
        }
    }

    @Test("delete removes a journal; an unknown one fails with notFound", arguments: DatastoreKind.allCases)
    func delete(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let stored = try await store.setCAJournal(id: "a", data: [1], expectedVersion: nil).value
            #expect(try await store.deleteCAJournal(id: "a").value == stored)
            await expectError(.notFound) { _ = try await store.deleteCAJournal(id: "a") }
            #expect(try await store.listCAJournals().isEmpty)
        }
    }

    @Test("an empty journal ID fails with invalidArgument", arguments: DatastoreKind.allCases)
    func invalid(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.invalidArgument) {
                _ = try await store.setCAJournal(id: "", data: [], expectedVersion: nil)
            }
        }
    }
}
