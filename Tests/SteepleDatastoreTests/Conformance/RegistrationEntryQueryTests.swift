import SPIFFE
import SteepleDatastore
import Testing

@Suite("RegistrationEntryStore list and count conformance")
struct RegistrationEntryQueryTests {
    static let parentB = Fixtures.otherAgentID

    /// Five entries with overlapping selectors and federations.
    static func seed(_ store: any Datastore) async throws {
        try await Fixtures.federatedBundles(store, "a.org", "b.org")
        _ = try await store.createEntries([
            Fixtures.entry(id: "e1", path: "/web", selectors: ["unix:uid:1"], federatesWith: ["a.org"]),
            Fixtures.entry(
                id: "e2",
                path: "/web",
                selectors: ["unix:uid:1", "unix:gid:1"],
                federatesWith: ["a.org", "b.org"]
            ),
            Fixtures.entry(id: "e3", path: "/db", selectors: ["unix:uid:2"]),
            Fixtures.entry(
                id: "e4",
                path: "/web",
                parentID: parentB,
                selectors: ["unix:uid:1", "k8s:ns:x"],
                federatesWith: ["b.org"],
                hint: "h",
                downstream: true
            ),
            Fixtures.entry(id: "e5", path: "/api", parentID: parentB, selectors: ["unix:gid:1"]),
        ])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let query: RegistrationEntryQuery
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = {
        func selectors(_ mode: SetMatch, _ strings: String...) -> RegistrationEntryQuery {
            RegistrationEntryQuery(selectors: SelectorMatch(strings.map { try! Selector($0) }, mode: mode))
        }
        func federates(_ mode: SetMatch, _ names: String...) -> RegistrationEntryQuery {
            RegistrationEntryQuery(federatesWith: TrustDomainMatch(names.map { Fixtures.trustDomain($0) }, mode: mode))
        }
        return [
            Case(name: "no filter", query: .init(), expected: ["e1", "e2", "e3", "e4", "e5"]),
            Case(name: "parent ID", query: .init(parentID: parentB), expected: ["e4", "e5"]),
            Case(
                name: "SPIFFE ID",
                query: .init(spiffeID: Fixtures.id("spiffe://example.org/web")),
                expected: ["e1", "e2", "e4"]
            ),
            Case(
                name: "parent ID and SPIFFE ID",
                query: .init(parentID: Fixtures.agentID, spiffeID: Fixtures.id("spiffe://example.org/web")),
                expected: ["e1", "e2"]
            ),
            Case(name: "hint", query: .init(hint: "h"), expected: ["e4"]),
            Case(name: "downstream", query: .init(downstream: false), expected: ["e1", "e2", "e3", "e5"]),
            Case(name: "selectors exact", query: selectors(.exact, "unix:uid:1", "unix:gid:1"), expected: ["e2"]),
            Case(
                name: "selectors subset",
                query: selectors(.subset, "unix:uid:1", "unix:gid:1"),
                expected: ["e1", "e2", "e5"]
            ),
            Case(name: "selectors superset", query: selectors(.superset, "unix:uid:1", "unix:gid:1"), expected: ["e2"]),
            Case(
                name: "selectors any",
                query: selectors(.any, "unix:uid:1", "unix:gid:1"),
                expected: ["e1", "e2", "e4", "e5"]
            ),
            Case(name: "one selector exact", query: selectors(.exact, "unix:uid:1"), expected: ["e1"]),
            Case(
                name: "one selector superset",
                query: selectors(.superset, "unix:uid:1"),
                expected: ["e1", "e2", "e4"]
            ),
            Case(name: "unknown selector any", query: selectors(.any, "docker:image:x"), expected: []),
            Case(name: "federates exact", query: federates(.exact, "a.org"), expected: ["e1"]),
            Case(
                name: "federates subset (empty sets included)",
                query: federates(.subset, "a.org"),
                expected: ["e1", "e3", "e5"]
            ),
            Case(name: "federates superset", query: federates(.superset, "a.org"), expected: ["e1", "e2"]),
            Case(name: "federates any", query: federates(.any, "a.org", "b.org"), expected: ["e1", "e2", "e4"]),
            Case(name: "federates exact pair", query: federates(.exact, "b.org", "a.org"), expected: ["e2"]),
            Case(
                name: "selectors and parent",
                query: RegistrationEntryQuery(
                    parentID: parentB,
                    selectors: SelectorMatch(Fixtures.selectors("unix:uid:1"), mode: .any)
                ),
                expected: ["e4"]
            ),
        ]
    }()

    @Test("list and count apply every filter", arguments: DatastoreKind.allCases, cases)
    func filters(kind: DatastoreKind, testCase: Case) async throws {
        try await kind.withStore { store in
            try await Self.seed(store)
            let listed = try await store.listEntries(testCase.query)
            #expect(listed.map(\.id) == testCase.expected)
            // The store agrees with the reference semantics of the query.
            let all = try await store.listEntries()
            #expect(all.filter(testCase.query.matches).map(\.id) == testCase.expected)
            #expect(try await store.countEntries(testCase.query) == testCase.expected.count)
        }
    }

    @Test("pages follow ID order, and the last page has no next token", arguments: DatastoreKind.allCases)
    func pagination(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            try await Self.seed(store)
            let first = try await store.listEntries(.init(), pagination: Pagination(size: 2))
            #expect(first.items.map(\.id) == ["e1", "e2"])
            let second = try await store.listEntries(.init(), pagination: Pagination(token: first.nextToken, size: 2))
            #expect(second.items.map(\.id) == ["e3", "e4"])
            let third = try await store.listEntries(.init(), pagination: Pagination(token: second.nextToken, size: 2))
            #expect(third.items.map(\.id) == ["e5"])
            #expect(third.nextToken == nil)

            // A page that ends exactly at the last match has no next token either.
            let exact = try await store.listEntries(.init(parentID: Fixtures.agentID), pagination: Pagination(size: 3))
            #expect(exact.items.map(\.id) == ["e1", "e2", "e3"])
            #expect(exact.nextToken == nil)
        }
    }

    @Test("a listing stays consistent when entries change between pages", arguments: DatastoreKind.allCases)
    func paginationWhileChanging(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            try await Self.seed(store)
            let first = try await store.listEntries(.init(), pagination: Pagination(size: 2))
            _ = try await store.deleteEntry(id: "e2")
            _ = try await store.deleteEntry(id: "e3")
            _ = try await store.createEntry(Fixtures.entry(id: "e0", path: "/zero"))
            let rest = try await store.listEntries(.init(), pagination: Pagination(token: first.nextToken, size: 10))
            #expect(rest.items.map(\.id) == ["e4", "e5"])
        }
    }

    @Test(
        "a page size out of range fails with invalidArgument",
        arguments: DatastoreKind.allCases,
        [0, -1, Pagination.maximumSize + 1]
    )
    func badPageSize(kind: DatastoreKind, size: Int) async throws {
        try await kind.withStore { store in
            await expectError(.invalidArgument) {
                _ = try await store.listEntries(.init(), pagination: Pagination(size: size))
            }
        }
    }

    @Test("an empty selector or trust domain filter fails with invalidArgument", arguments: DatastoreKind.allCases)
    func emptySetFilter(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.invalidArgument) {
                _ = try await store.listEntries(.init(selectors: SelectorMatch([], mode: .any)))
            }
            await expectError(.invalidArgument) {
                _ = try await store.countEntries(.init(federatesWith: TrustDomainMatch([], mode: .exact)))
            }
        }
    }
}
