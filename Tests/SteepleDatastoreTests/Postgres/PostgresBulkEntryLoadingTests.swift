import Foundation
import SteepleDatastore
import SteepleDatastorePostgres
import SteepleTestSupport
import Synchronization
import Testing

/// `PostgresDatastore.forEachEntryBatch`, which the entry index loads at start instead of ID-ordered pages.
@Suite("PostgreSQL bulk entry loading")
struct PostgresBulkEntryLoadingTests {
    @Test("every entry, whole (selectors, federated trust domains, DNS names), in batches of at most the size asked, the same as a listing")
    func sameAsListing() async throws {
        try await PostgresTestServer.withStore { store, _ in
            try await Fixtures.federatedBundles(store, "a.org", "b.org")
            for n in 0..<25 {
                var entry = Fixtures.entry(id: "entry-\(n)", path: "/w/\(n)", selectors: ["unix:uid:\(n)", "k8s:ns:n\(n % 3)"])
                if n % 4 == 0 { entry.dnsNames = ["b\(n).example.org", "a\(n).example.org"] }
                if n % 5 == 0 { entry.federatesWith = [Fixtures.trustDomain("b.org"), Fixtures.trustDomain("a.org")] }
                _ = try await store.createEntry(entry)
            }
            var batches: [[RegistrationEntry]] = []
            try await store.forEachEntryBatch(size: 7) { batches.append($0) }
            #expect(batches.map(\.count).sorted() == [4, 7, 7, 7])
            let loaded = Dictionary(uniqueKeysWithValues: batches.flatMap { $0 }.map { ($0.id, $0) })
            let listed = Dictionary(uniqueKeysWithValues: try await store.listEntries(RegistrationEntryQuery()).map { ($0.id, $0) })
            #expect(loaded == listed)
            #expect(loaded["entry-0"]?.dnsNames == ["b0.example.org", "a0.example.org"])
            #expect(loaded["entry-5"]?.federatesWith.map(\.name) == ["a.org", "b.org"])
            #expect(loaded["entry-1"]?.selectors.map(\.description) == ["k8s:ns:n1", "unix:uid:1"])
        }
    }

    @Test("a row that does not decode into an entry is reported and left out; the others load")
    func unreadableRowSkipped() async throws {
        let reported = Mutex<[String]>([])
        try await PostgresTestServer.withStore(unreadable: { id, _ in reported.withLock { $0.append(id) } }) { store, url in
            _ = try await store.createEntry(Fixtures.entry(id: "good", selectors: ["unix:uid:1"]))
            _ = try await store.createEntry(Fixtures.entry(id: "bad", path: "/bad", selectors: ["unix:uid:2"]))
            try await PostgresTestServer.execute(url, "UPDATE registered_entries SET spiffe_id = 'not a SPIFFE ID' WHERE id = 'bad'")
            var loaded: [String] = []
            try await store.forEachEntryBatch(size: 10) { loaded += $0.map(\.id) }
            #expect(loaded == ["good"])
            #expect(reported.withLock { $0 } == ["bad"])
        }
    }

    @Test("an empty store calls the body never")
    func empty() async throws {
        try await PostgresTestServer.withStore { store, _ in
            var calls = 0
            try await store.forEachEntryBatch(size: 10) { _ in calls += 1 }
            #expect(calls == 0)
        }
    }
}
