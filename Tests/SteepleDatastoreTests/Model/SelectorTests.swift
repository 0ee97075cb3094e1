import SteepleDatastore
import Testing

@Suite("Selector")
struct SelectorTests {
    @Test(
        "parses type:value, splitting at the first colon",
        arguments: [
            ("unix:uid:1000", "unix", "uid:1000"),
            ("k8s:ns:default", "k8s", "ns:default"),
            ("docker:label:a:b:c", "docker", "label:a:b:c"),
            ("x:y", "x", "y"),
            ("spiffe_id:spiffe://example.org/a", "spiffe_id", "spiffe://example.org/a"),
        ]
    )
    func parses(string: String, type: String, value: String) throws {
        let selector = try Selector(string)
        #expect(selector.type == type)
        #expect(selector.value == value)
        #expect(selector.description == string)
    }

    @Test(
        "a string without a type or value fails with invalidArgument",
        arguments: ["unix", ":uid:1", "unix:", "", ":"]
    )
    func rejects(string: String) {
        let error = #expect(throws: DatastoreError.self) { try Selector(string) }
        #expect(error?.code == .invalidArgument)
    }

    @Test("a type holding a colon fails with invalidArgument")
    func typeWithColon() {
        let error = #expect(throws: DatastoreError.self) { try Selector(type: "a:b", value: "c") }
        #expect(error?.code == .invalidArgument)
    }

    @Test("a selector set is sorted and deduplicated")
    func normalized() throws {
        let selectors = Fixtures.selectors("unix:uid:2", "k8s:ns:a", "unix:uid:10", "unix:uid:2", "unix:gid:1")
        #expect(
            Selector.normalized(selectors).map(\.description) == [
                "k8s:ns:a", "unix:gid:1", "unix:uid:10", "unix:uid:2",
            ]
        )
        let entry = Fixtures.entry(selectors: ["unix:uid:2", "unix:uid:2", "k8s:ns:a"])
        #expect(entry.selectors.map(\.description) == ["k8s:ns:a", "unix:uid:2"])
    }
}
