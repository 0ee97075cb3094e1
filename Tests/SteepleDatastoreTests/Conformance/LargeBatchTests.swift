import SPIFFE
import SteepleDatastore
import Testing

@Suite("RegistrationEntryStore at scale")
struct LargeBatchTests {
    static let count = 100_000
    static let pageSize = 5_000

    @Test(
        "100,000 entries created in one batch list back in pages, each once, in order",
        arguments: DatastoreKind.allCases
    )
    func hundredThousand(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let parentID = Fixtures.agentID
            let entries = try (0..<Self.count).map { index in
                RegistrationEntry(
                    id: "entry-" + String(index + 1_000_000),
                    spiffeID: try SPIFFEID("spiffe://example.org/workload/\(index)"),
                    parentID: parentID,
                    selectors: [try Selector("unix:uid:\(index)"), try Selector("unix:gid:\(index % 100)")]
                )
            }
            let clock = ContinuousClock()
            let createStart = clock.now
            let committed = try await store.createEntries(entries)
            let createTime = createStart.duration(to: clock.now)
            #expect(committed.count == Self.count)
            #expect(committed.last?.seq == UInt64(Self.count))

            let listStart = clock.now
            var seen = 0
            var pages = 0
            var previous: String?
            var token: String?
            repeat {
                let page = try await store.listEntries(
                    .init(),
                    pagination: Pagination(token: token, size: Self.pageSize)
                )
                for entry in page.items {
                    if let previous { #expect(datastoreKeyPrecedes(previous, entry.id)) }
                    previous = entry.id
                }
                seen += page.items.count
                pages += 1
                token = page.nextToken
            } while token != nil
            let listTime = listStart.duration(to: clock.now)
            #expect(seen == Self.count)
            #expect(pages == Self.count / Self.pageSize)

            let match = SelectorMatch(Fixtures.selectors("unix:uid:4242", "unix:gid:42", "k8s:ns:x"), mode: .subset)
            let queryStart = clock.now
            let matched = try await store.listEntries(.init(selectors: match))
            let queryTime = queryStart.duration(to: clock.now)
            #expect(matched.map(\.id) == ["entry-1004242"])
            #expect(try await store.countEntries(.init(parentID: parentID)) == Self.count)
            print(
                "\(kind): created \(Self.count) entries in \(createTime), listed them in \(pages) pages in \(listTime), subset selector match in \(queryTime)"
            )
        }
    }
}
