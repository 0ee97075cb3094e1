import SPIFFE
import SteepleDatastore
import Testing

@Suite("FederationRelationshipStore conformance")
struct FederationRelationshipStoreTests {
    static func web(_ name: String, url: String? = nil) -> FederationRelationship {
        FederationRelationship(
            trustDomain: Fixtures.trustDomain(name),
            bundleEndpointURL: url ?? "https://\(name)/bundle",
            profile: .httpsWeb
        )
    }

    static func spiffe(_ name: String, endpoint: String) -> FederationRelationship {
        FederationRelationship(
            trustDomain: Fixtures.trustDomain(name),
            bundleEndpointURL: "https://\(name):8443",
            profile: .httpsSPIFFE(endpointSPIFFEID: try! SPIFFEID(endpoint))
        )
    }

    @Test("create, update, fetch and delete keep both profiles; the bundle is set in the same transaction", arguments: DatastoreKind.allCases)
    func roundTrip(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let web = try await store.createFederationRelationship(Self.web("a.org"), bundle: nil)
            #expect(try await store.fetchFederationRelationship(trustDomain: Fixtures.trustDomain("a.org")) == web.value)

            let spiffe = Self.spiffe("b.org", endpoint: "spiffe://b.org/spire/server")
            let bundle = BundleStoreTests.bundle("b.org", #"{"keys":[]}"#, sequence: 7)
            let created = try await store.createFederationRelationship(spiffe, bundle: bundle)
            #expect(try await store.fetchFederationRelationship(trustDomain: Fixtures.trustDomain("b.org")) == spiffe)
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("b.org")) == bundle)

            // An update may switch profile and replace the bundle.
            let moved = Self.web("b.org", url: "https://elsewhere.example/b")
            let newer = BundleStoreTests.bundle("b.org", #"{"keys":[1]}"#, sequence: 8)
            let updated = try await store.updateFederationRelationship(moved, bundle: newer)
            #expect(updated.seq > created.seq)
            #expect(try await store.fetchFederationRelationship(trustDomain: Fixtures.trustDomain("b.org")) == moved)
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("b.org")) == newer)

            // Delete keeps the bundle, as SPIRE's datastore does.
            let deleted = try await store.deleteFederationRelationship(trustDomain: Fixtures.trustDomain("b.org"))
            #expect(deleted.value == moved)
            #expect(try await store.fetchFederationRelationship(trustDomain: Fixtures.trustDomain("b.org")) == nil)
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("b.org")) == newer)

            let events = try await store.listEvents(after: 0, limit: 20).map(\.kind)
            #expect(
                events == [
                    .federationRelationshipCreated, .bundleCreated, .federationRelationshipCreated, .bundleUpdated,
                    .federationRelationshipUpdated, .federationRelationshipDeleted,
                ]
            )
        }
    }

    @Test("create of an existing relationship fails with alreadyExists and stores nothing", arguments: DatastoreKind.allCases)
    func duplicate(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createFederationRelationship(Self.web("a.org"), bundle: nil)
            await expectError(.alreadyExists) {
                _ = try await store.createFederationRelationship(
                    Self.web("a.org", url: "https://other/"),
                    bundle: BundleStoreTests.bundle("a.org")
                )
            }
            #expect(try await store.fetchFederationRelationship(trustDomain: Fixtures.trustDomain("a.org")) == Self.web("a.org"))
            #expect(try await store.fetchBundle(trustDomain: Fixtures.trustDomain("a.org")) == nil)
        }
    }

    @Test("update and delete of an unknown relationship fail with notFound", arguments: DatastoreKind.allCases)
    func unknown(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.notFound) { _ = try await store.updateFederationRelationship(Self.web("a.org"), bundle: nil) }
            await expectError(.notFound) {
                _ = try await store.deleteFederationRelationship(trustDomain: Fixtures.trustDomain("a.org"))
            }
            let events = try await store.listEvents(after: 0, limit: 10)
            #expect(events.isEmpty)
        }
    }

    @Test("an empty URL or a bundle of another trust domain is invalidArgument", arguments: DatastoreKind.allCases)
    func invalid(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.invalidArgument) {
                _ = try await store.createFederationRelationship(Self.web("a.org", url: ""), bundle: nil)
            }
            await expectError(.invalidArgument) {
                _ = try await store.createFederationRelationship(Self.web("a.org"), bundle: BundleStoreTests.bundle("b.org"))
            }
            let listed = try await store.listFederationRelationships(pagination: nil)
            #expect(listed.items.isEmpty)
            let bundles = try await store.countBundles()
            #expect(bundles == 0)
        }
    }

    @Test("list pages in trust domain order", arguments: DatastoreKind.allCases)
    func list(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            for name in ["c.org", "a.org", "b.org"] {
                _ = try await store.createFederationRelationship(Self.web(name), bundle: nil)
            }
            let first = try await store.listFederationRelationships(pagination: Pagination(size: 2))
            #expect(first.items.map(\.trustDomain.name) == ["a.org", "b.org"])
            let second = try await store.listFederationRelationships(pagination: Pagination(token: first.nextToken, size: 2))
            #expect(second.items.map(\.trustDomain.name) == ["c.org"])
            #expect(second.nextToken == nil)
            await expectError(.invalidArgument) {
                _ = try await store.listFederationRelationships(pagination: Pagination(size: 0))
            }
        }
    }
}
