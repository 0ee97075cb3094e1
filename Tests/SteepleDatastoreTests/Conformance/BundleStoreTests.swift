import SPIFFE
import SteepleDatastore
import Testing

@Suite("BundleStore conformance")
struct BundleStoreTests {
    static func bundle(_ name: String, _ document: String = "{}", sequence: UInt64 = 1) -> BundleRecord {
        BundleRecord(trustDomain: Fixtures.trustDomain(name), document: Array(document.utf8), sequenceNumber: sequence)
    }

    @Test(
        "create, update, set and fetch keep the document bytes and sequence number",
        arguments: DatastoreKind.allCases
    )
    func roundTrip(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let created = try await store.createBundle(Self.bundle("a.org", #"{"keys":[]}"#))
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("a.org")) == created.value)
            let updated = try await store.updateBundle(Self.bundle("a.org", #"{"keys":[1]}"#, sequence: 2))
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("a.org")) == updated.value)
            let huge = Self.bundle("b.org", "x", sequence: UInt64.max)
            _ = try await store.setBundle(huge)
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("b.org")) == huge)
            _ = try await store.setBundle(Self.bundle("b.org", "y", sequence: 3))
            #expect(
                try await store.fetchBundle(trustDomain: Fixtures.trustDomain("b.org"))?.document == Array("y".utf8)
            )
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("c.org")) == nil)

            let events = try await store.listEvents(after: 0, limit: 10).map(\.kind)
            #expect(events == [.bundleCreated, .bundleUpdated, .bundleCreated, .bundleUpdated])
        }
    }

    @Test("create of an existing bundle fails with alreadyExists", arguments: DatastoreKind.allCases)
    func duplicate(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createBundle(Self.bundle("a.org"))
            await expectError(.alreadyExists) { _ = try await store.createBundle(Self.bundle("a.org")) }
        }
    }

    @Test("update and delete of an unknown bundle fail with notFound", arguments: DatastoreKind.allCases)
    func unknown(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.notFound) { _ = try await store.updateBundle(Self.bundle("a.org")) }
            await expectError(.notFound) {
                _ = try await store.deleteBundle(trustDomain: Fixtures.trustDomain("a.org"))
            }
        }
    }

    @Test("list pages in trust domain order and count counts", arguments: DatastoreKind.allCases)
    func list(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            for name in ["c.org", "a.org", "b.org"] {
                _ = try await store.createBundle(Self.bundle(name))
            }
            let first = try await store.listBundles(pagination: Pagination(size: 2))
            #expect(first.items.map(\.trustDomain.name) == ["a.org", "b.org"])
            let second = try await store.listBundles(pagination: Pagination(token: first.nextToken, size: 2))
            #expect(second.items.map(\.trustDomain.name) == ["c.org"])
            #expect(second.nextToken == nil)
            #expect(try await store.listBundles(pagination: nil).items.count == 3)
            #expect(try await store.countBundles() == 3)
            await expectError(.invalidArgument) { _ = try await store.listBundles(pagination: Pagination(size: 0)) }
        }
    }

    @Test("delete of a bundle that entries federate with fails with conflict", arguments: DatastoreKind.allCases)
    func deleteInUse(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createBundle(Self.bundle("a.org"))
            _ = try await store.createEntry(Fixtures.entry(id: "web", federatesWith: ["a.org"]))
            await expectError(.conflict) {
                _ = try await store.deleteBundle(trustDomain: Fixtures.trustDomain("a.org"))
            }
            _ = try await store.deleteEntry(id: "web")
            let deleted = try await store.deleteBundle(trustDomain: Fixtures.trustDomain("a.org"))
            #expect(deleted.value == Self.bundle("a.org"))
            #expect(try await store.countBundles() == 0)
        }
    }
}
