import Foundation
import SPIFFE
import SteepleDatastore
import Testing

@Suite("RegistrationEntryStore conformance")
struct RegistrationEntryStoreTests {
    @Test(
        "create stores the entry with the clock's createdAt, revision 0 and sorted selectors",
        arguments: DatastoreKind.allCases
    )
    func createAndFetch(kind: DatastoreKind) async throws {
        let clock = TestClock()
        try await kind.withStore(clock: clock) { store in
            try await Fixtures.federatedBundles(store, "a.org", "b.org")
            var entry = Fixtures.entry(id: "web", selectors: ["unix:uid:1000", "k8s:ns:default", "unix:uid:1000"])
            entry.x509SVIDTTL = 3600
            entry.dnsNames = ["web.example.org", "alt.example.org"]
            entry.federatesWith = [Fixtures.trustDomain("b.org"), Fixtures.trustDomain("a.org")]
            entry.expiresAt = Date(timeIntervalSince1970: 1_900_000_000.75)
            entry.revisionNumber = 7
            entry.admin = true
            entry.storeSVID = true
            entry.hint = "frontend"
            entry.jwtSVIDIncludeJTI = true

            let committed = try await store.createEntry(entry)
            #expect(committed.value.createdAt == clock.now())
            #expect(committed.value.revisionNumber == 0)
            #expect(committed.value.selectors.map(\.description) == ["k8s:ns:default", "unix:uid:1000"])
            #expect(committed.value.federatesWith.map(\.name) == ["a.org", "b.org"])
            #expect(committed.value.dnsNames == ["web.example.org", "alt.example.org"])
            #expect(committed.value.expiresAt == Date(timeIntervalSince1970: 1_900_000_000))
            #expect(try await store.fetchEntry(id: "web") == committed.value)
            #expect(committed.value.jwtSVIDIncludeJTI && !committed.value.disableX509SVIDPrefetch)
            // SPIRE's additional attributes are replaced by an update, and read back by listings and bulk fetches.
            var updated = committed.value
            updated.jwtSVIDIncludeJTI = false
            updated.disableX509SVIDPrefetch = true
            _ = try await store.updateEntry(updated)
            let listed = try await store.listEntries(.init(), pagination: nil).items.first
            #expect(listed?.jwtSVIDIncludeJTI == false && listed?.disableX509SVIDPrefetch == true)
            let fetched = try await store.fetchEntries(ids: ["web"])["web"]
            #expect(fetched?.jwtSVIDIncludeJTI == false && fetched?.disableX509SVIDPrefetch == true)
        }
    }

    @Test("an entry without an ID gets a UUID", arguments: DatastoreKind.allCases)
    func generatedID(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let committed = try await store.createEntry(Fixtures.entry())
            #expect(UUID(uuidString: committed.value.id) != nil)
            #expect(try await store.fetchEntry(id: committed.value.id) == committed.value)
        }
    }

    @Test("fetch of an unknown ID returns nil", arguments: DatastoreKind.allCases)
    func fetchUnknown(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let fetched = try await store.fetchEntry(id: "nope")
            #expect(fetched == nil)
        }
    }

    @Test("fetchEntries reads many entries at once, with child rows, skipping unknown IDs", arguments: DatastoreKind.allCases)
    func fetchMany(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            // More than one SQL chunk (500 keys per query).
            var created: [String: RegistrationEntry] = [:]
            for index in 0..<1_200 {
                var entry = Fixtures.entry(id: "e\(index)", selectors: ["unix:uid:\(index)"])
                entry.dnsNames = ["n\(index).example.org"]
                created[entry.id] = try await store.createEntry(entry).value
            }
            let wanted = created.keys.filter { $0.hasSuffix("7") || $0.hasSuffix("0") } + ["missing", "e7"]
            let fetched = try await store.fetchEntries(ids: wanted)
            #expect(fetched.count == Set(wanted).count - 1)
            #expect(fetched["missing"] == nil)
            for (id, entry) in fetched { #expect(entry == created[id]) }
            #expect(try await store.fetchEntries(ids: [String]()).isEmpty)
        }
    }

    @Test("unfiltered pages carry every entry's own child rows, none of a neighbour's", arguments: DatastoreKind.allCases)
    func pagesKeepChildRows(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            var created: [String: RegistrationEntry] = [:]
            for index in 0..<25 {
                if index % 2 == 0 { try await Fixtures.federatedBundles(store, "td\(index).org") }
                var entry = Fixtures.entry(
                    id: String(format: "p%02d", index), path: "/p\(index)",
                    selectors: ["unix:uid:\(index)", "unix:gid:\(index % 3)"],
                    federatesWith: index % 2 == 0 ? ["td\(index).org"] : [])
                entry.dnsNames = index % 4 == 0 ? [] : ["b\(index).example.org", "a\(index).example.org"]
                created[entry.id] = try await store.createEntry(entry).value
            }
            var listed: [RegistrationEntry] = []
            var token: String?
            repeat {
                let page = try await store.listEntries(RegistrationEntryQuery(), pagination: Pagination(token: token, size: 7))
                listed += page.items
                token = page.nextToken
            } while token != nil
            #expect(listed.map(\.id) == created.keys.sorted())
            for entry in listed { #expect(entry == created[entry.id]) }
        }
    }

    @Test(
        "create refuses the same parent ID, SPIFFE ID and selector set with alreadyExists",
        arguments: DatastoreKind.allCases
    )
    func duplicateRefused(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntry(Fixtures.entry(id: "first", selectors: ["unix:uid:1", "unix:gid:2"]))
            await expectError(.alreadyExists) {
                _ = try await store.createEntry(Fixtures.entry(id: "second", selectors: ["unix:gid:2", "unix:uid:1"]))
            }
            // A different selector set, parent or SPIFFE ID is another entry.
            _ = try await store.createEntry(Fixtures.entry(id: "subset", selectors: ["unix:uid:1"]))
            _ = try await store.createEntry(
                Fixtures.entry(
                    id: "other-parent",
                    parentID: Fixtures.otherAgentID,
                    selectors: ["unix:uid:1", "unix:gid:2"]
                )
            )
            _ = try await store.createEntry(
                Fixtures.entry(id: "other-id", path: "/api", selectors: ["unix:uid:1", "unix:gid:2"])
            )
            #expect(try await store.countEntries(.init()) == 4)
        }
    }

    @Test("create refuses a taken ID with alreadyExists", arguments: DatastoreKind.allCases)
    func takenID(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntry(Fixtures.entry(id: "web"))
            await expectError(.alreadyExists) {
                _ = try await store.createEntry(Fixtures.entry(id: "web", path: "/other"))
            }
        }
    }

    @Test(
        "create refuses an invalid entry with invalidArgument",
        arguments: DatastoreKind.allCases,
        [
            "no selectors", "negative X509 TTL", "negative JWT TTL", "empty ID", "ID with a space", "ID too long",
            "empty DNS name", "duplicate DNS name",
        ]
    )
    func invalidEntry(kind: DatastoreKind, defect: String) async throws {
        var entry = Fixtures.entry(id: "web")
        switch defect {
        case "no selectors": entry.selectors = []
        case "negative X509 TTL": entry.x509SVIDTTL = -1
        case "negative JWT TTL": entry.jwtSVIDTTL = -5
        case "empty ID": entry.id = ""
        case "ID with a space": entry.id = "my entry"
        case "ID too long": entry.id = String(repeating: "a", count: 256)
        case "empty DNS name": entry.dnsNames = [""]
        default: entry.dnsNames = ["a.org", "a.org"]
        }
        try await kind.withStore { store in
            await expectError(.invalidArgument) { _ = try await store.createEntry(entry) }
            let count = try await store.countEntries(.init())
            let latest = try await store.latestSequence()
            #expect(count == 0 && latest == 0)
        }
    }

    @Test("a batch is created whole, in order, one event each", arguments: DatastoreKind.allCases)
    func batch(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let entries = (0..<5).map { Fixtures.entry(id: "e\($0)", path: "/w\($0)") }
            let committed = try await store.createEntries(entries)
            #expect(committed.map(\.value.id) == ["e0", "e1", "e2", "e3", "e4"])
            #expect(committed.map(\.seq) == [1, 2, 3, 4, 5])
            #expect(try await store.countEntries(.init()) == 5)
        }
    }

    @Test("a batch with a duplicate inside stores nothing", arguments: DatastoreKind.allCases)
    func batchAllOrNothing(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntry(Fixtures.entry(id: "existing", path: "/existing"))
            let before = try await store.latestSequence()
            await expectError(.alreadyExists) {
                _ = try await store.createEntries([
                    Fixtures.entry(id: "a", path: "/a"),
                    Fixtures.entry(id: "b", path: "/b"),
                    Fixtures.entry(id: "c", path: "/a"),
                ])
            }
            await expectError(.alreadyExists) {
                _ = try await store.createEntries([
                    Fixtures.entry(id: "d", path: "/d"), Fixtures.entry(id: "existing", path: "/e"),
                ])
            }
            #expect(try await store.countEntries(.init()) == 1)
            #expect(try await store.fetchEntry(id: "a") == nil)
            #expect(try await store.latestSequence() == before)
        }
    }

    @Test("update replaces the entry, bumps the revision and keeps createdAt", arguments: DatastoreKind.allCases)
    func update(kind: DatastoreKind) async throws {
        let clock = TestClock()
        try await kind.withStore(clock: clock) { store in
            try await Fixtures.federatedBundles(store, "a.org", "b.org")
            let created = try await store.createEntry(Fixtures.entry(id: "web", federatesWith: ["a.org"])).value
            clock.advance(by: 60)
            var changed = created
            changed.selectors = Fixtures.selectors("unix:uid:2000")
            changed.federatesWith = [Fixtures.trustDomain("b.org")]
            changed.dnsNames = ["new.example.org"]
            changed.x509SVIDTTL = 60
            changed.createdAt = Date(timeIntervalSince1970: 5)
            let first = try await store.updateEntry(changed)
            #expect(first.value.revisionNumber == 1)
            #expect(first.value.createdAt == created.createdAt)
            let second = try await store.updateEntry(changed, expectedRevision: 1)
            #expect(second.value.revisionNumber == 2)
            #expect(second.seq == first.seq + 1)
            let fetched = try await store.fetchEntry(id: "web")
            #expect(fetched == second.value)
            #expect(fetched?.selectors.map(\.description) == ["unix:uid:2000"])
            #expect(fetched?.federatesWith.map(\.name) == ["b.org"])
        }
    }

    @Test("update with a stale expected revision fails with conflict", arguments: DatastoreKind.allCases)
    func updateConflict(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let created = try await store.createEntry(Fixtures.entry(id: "web")).value
            _ = try await store.updateEntry(created)
            await expectError(.conflict) { _ = try await store.updateEntry(created, expectedRevision: 0) }
            #expect(try await store.fetchEntry(id: "web")?.revisionNumber == 1)
        }
    }

    @Test("update of an unknown entry fails with notFound", arguments: DatastoreKind.allCases)
    func updateUnknown(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.notFound) { _ = try await store.updateEntry(Fixtures.entry(id: "ghost")) }
        }
    }

    @Test("update that would duplicate another entry fails with alreadyExists", arguments: DatastoreKind.allCases)
    func updateIntoDuplicate(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createEntry(Fixtures.entry(id: "a", selectors: ["unix:uid:1"]))
            var b = try await store.createEntry(Fixtures.entry(id: "b", selectors: ["unix:uid:2"])).value
            b.selectors = Fixtures.selectors("unix:uid:1")
            await expectError(.alreadyExists) { _ = try await store.updateEntry(b) }
            // Updating an entry without changing its key is not a duplicate of itself.
            var a = try #require(try await store.fetchEntry(id: "a"))
            a.hint = "same key"
            _ = try await store.updateEntry(a)
        }
    }

    @Test(
        "delete returns the entry and removes it; an unknown ID fails with notFound",
        arguments: DatastoreKind.allCases
    )
    func delete(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            try await Fixtures.federatedBundles(store, "a.org", "b.org")
            let created = try await store.createEntry(Fixtures.entry(id: "web", federatesWith: ["a.org"])).value
            let deleted = try await store.deleteEntry(id: "web")
            #expect(deleted.value == created)
            #expect(try await store.fetchEntry(id: "web") == nil)
            await expectError(.notFound) { _ = try await store.deleteEntry(id: "web") }
            // The ID and the key are free again: no child row was left behind.
            let again = try await store.createEntry(Fixtures.entry(id: "web", federatesWith: ["a.org"]))
            #expect(again.value.selectors == created.selectors)
        }
    }

    @Test("prune deletes only entries that expired before the cutoff", arguments: DatastoreKind.allCases)
    func prune(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let cutoff = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try await store.createEntries([
                Fixtures.entry(id: "expired-b", path: "/b", expiresAt: cutoff - 10),
                Fixtures.entry(id: "expired-a", path: "/a", expiresAt: cutoff - 1),
                Fixtures.entry(id: "at-cutoff", path: "/c", expiresAt: cutoff),
                Fixtures.entry(id: "later", path: "/d", expiresAt: cutoff + 10),
                Fixtures.entry(id: "never", path: "/e"),
            ])
            let pruned = try await store.pruneEntries(expiredBefore: cutoff)
            #expect(pruned.map(\.value.id) == ["expired-a", "expired-b"])
            #expect(pruned.map(\.seq) == [6, 7])
            #expect(try await store.listEntries().map(\.id) == ["at-cutoff", "later", "never"])
            #expect(try await store.pruneEntries(expiredBefore: cutoff).isEmpty)
        }
    }

    @Test("an entry federating with a trust domain whose bundle is not stored is refused with SPIRE's words, on create and update; nothing changes", arguments: DatastoreKind.allCases)
    func federatedBundleRequired(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            do {
                _ = try await store.createEntry(Fixtures.entry(id: "fed", federatesWith: ["other.org"]))
                Issue.record("created an entry federating with a trust domain without a bundle")
            } catch let error as DatastoreError {
                #expect(error.code == .conflict)
                #expect(error.message.contains(#"unable to find federated bundle "spiffe://other.org""#), "\(error.message)")
            }
            #expect(try await store.listEntries().isEmpty)
            let plain = try await store.createEntry(Fixtures.entry(id: "plain")).value
            var changed = plain
            changed.federatesWith = [Fixtures.trustDomain("other.org")]
            do {
                _ = try await store.updateEntry(changed, expectedRevision: nil)
                Issue.record("updated an entry to federate with a trust domain without a bundle")
            } catch let error as DatastoreError {
                #expect(error.code == .conflict)
            }
            #expect(try await store.listEntries().first?.federatesWith.isEmpty == true)
            try await Fixtures.federatedBundles(store, "other.org")
            #expect(try await store.updateEntry(changed, expectedRevision: nil).value.federatesWith.map(\.name) == ["other.org"])
        }
    }
}
