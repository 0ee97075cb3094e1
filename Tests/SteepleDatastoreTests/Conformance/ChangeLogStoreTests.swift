import Foundation
import SPIFFE
import SteepleDatastore
import Testing

@Suite("ChangeLogStore conformance")
struct ChangeLogStoreTests {
    @Test(
        "every mutation appends one event, in order, with the sequence number it returned",
        arguments: DatastoreKind.allCases
    )
    func everyMutation(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            #expect(try await store.latestSequence() == 0)
            var seqs: [UInt64] = []
            let entry = try await store.createEntry(Fixtures.entry(id: "web"))
            seqs.append(entry.seq)
            seqs.append(try await store.updateEntry(entry.value).seq)
            seqs.append(try await store.deleteEntry(id: "web").seq)
            let node = try await store.createNode(Fixtures.node("a"))
            seqs.append(node.seq)
            seqs.append(try await store.updateNode(node.value).seq)
            seqs.append(try await store.deleteNode(spiffeID: node.value.spiffeID).seq)
            seqs.append(try await store.createJoinToken(JoinToken(token: "t", expiresAt: Date())).seq)
            seqs.append(try await store.consumeJoinToken("t").seq)
            let bundle = BundleRecord(trustDomain: Fixtures.trustDomain("a.org"), document: [1])
            seqs.append(try await store.createBundle(bundle).seq)
            seqs.append(try await store.updateBundle(bundle).seq)
            seqs.append(try await store.deleteBundle(trustDomain: bundle.trustDomain).seq)
            seqs.append(try await store.setCAJournal(id: "s1", data: [1], expectedVersion: nil).seq)
            seqs.append(try await store.deleteCAJournal(id: "s1").seq)

            #expect(seqs == Array(1...13))
            let events = try await store.listEvents(after: 0, limit: 100)
            #expect(events.map(\.seq) == seqs)
            #expect(
                events.map(\.kind) == [
                    .entryCreated, .entryUpdated, .entryDeleted, .nodeCreated, .nodeUpdated, .nodeDeleted,
                    .joinTokenCreated, .joinTokenDeleted, .bundleCreated, .bundleUpdated, .bundleDeleted,
                    .caJournalUpdated, .caJournalDeleted,
                ]
            )
            #expect(
                Array(events.map(\.id)[0...5]) == ["web", "web", "web"]
                    + Array(repeating: node.value.spiffeID.string, count: 3)
            )
            #expect(try await store.latestSequence() == 13)
        }
    }

    @Test("a failed mutation appends no event", arguments: DatastoreKind.allCases)
    func failedMutation(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntry(Fixtures.entry(id: "web"))
            await expectError(.alreadyExists) { _ = try await store.createEntry(Fixtures.entry(id: "web")) }
            await expectError(.notFound) { _ = try await store.deleteNode(spiffeID: Fixtures.agentID) }
            #expect(try await store.latestSequence() == 1)
            _ = try await store.createEntry(Fixtures.entry(id: "api", path: "/api"))
            #expect(try await store.listEvents(after: 0, limit: 10).map(\.seq) == [1, 2])
        }
    }

    @Test("listEvents reads after a sequence number, at most limit events", arguments: DatastoreKind.allCases)
    func listAfter(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntries((0..<10).map { Fixtures.entry(id: "e\($0)", path: "/\($0)") })
            #expect(try await store.listEvents(after: 3, limit: 4).map(\.seq) == [4, 5, 6, 7])
            #expect(try await store.listEvents(after: 8, limit: 100).map(\.seq) == [9, 10])
            #expect(try await store.listEvents(after: 10, limit: 100).isEmpty)
            #expect(try await store.listEvents(after: 99, limit: 100).isEmpty)
            await expectError(.invalidArgument) { _ = try await store.listEvents(after: 0, limit: 0) }
        }
    }

    @Test("pruning the log keeps the sequence going", arguments: DatastoreKind.allCases)
    func prune(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntries((0..<5).map { Fixtures.entry(id: "e\($0)", path: "/\($0)") })
            #expect(try await store.pruneEvents(through: 3) == 3)
            #expect(try await store.listEvents(after: 0, limit: 10).map(\.seq) == [4, 5])
            #expect(try await store.pruneEvents(through: 10) == 2)
            #expect(try await store.latestSequence() == 5)
            let next = try await store.createEntry(Fixtures.entry(id: "e5", path: "/5"))
            #expect(next.seq == 6)
            #expect(try await store.listEvents(after: 0, limit: 10).map(\.seq) == [6])
        }
    }

    @Test(
        "the sequence is gap-free and monotonic under 8 concurrent writers × 50 creates",
        arguments: DatastoreKind.allCases
    )
    func concurrentWriters(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let returned = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var seqs: [UInt64] = []
                        for index in 0..<50 {
                            let entry = Fixtures.entry(id: "w\(writer)-\(index)", path: "/w\(writer)/\(index)")
                            seqs.append(try await store.createEntry(entry).seq)
                        }
                        return seqs
                    }
                }
                var all: [[UInt64]] = []
                for try await seqs in group { all.append(seqs) }
                return all
            }
            // Each writer saw its own commits in increasing order…
            for seqs in returned {
                #expect(seqs == seqs.sorted())
            }
            // …and together they cover 1...400 exactly once, as does the log.
            #expect(returned.flatMap { $0 }.sorted() == Array(1...400))
            let events = try await store.listEvents(after: 0, limit: 1000)
            #expect(events.map(\.seq) == Array(1...400))
            #expect(Set(events.map(\.id)).count == 400)
            #expect(try await store.latestSequence() == 400)
        }
    }
}
