@testable import SteepleDatastore
import SPIFFE
import Testing

@Suite("sortedUnique (selector and trust domain normalization)")
struct SortedUniqueTests {
    @Test("sorted, each once: empty, one, sorted, reversed, duplicates anywhere")
    func sortedOnce() {
        let cases: [([Int], [Int])] = [
            ([], []), ([5], [5]), ([1, 2, 3], [1, 2, 3]), ([3, 2, 1], [1, 2, 3]), ([2, 2], [2]),
            ([3, 1, 3, 2, 1, 1], [1, 2, 3]), ([4, 4, 4, 1], [1, 4]), ([1, 9, 9, 9], [1, 9]),
        ]
        for (values, expected) in cases {
            #expect(sortedUnique(values) == expected, "\(values)")
        }
    }

    @Test("selectors equal as strings but not byte for byte (a precomposed and a decomposed é) are kept once")
    func canonicallyEqualSelectors() throws {
        let precomposed = try Selector(type: "docker", value: "label:team:caf\u{E9}")
        let decomposed = try Selector(type: "docker", value: "label:team:cafe\u{301}")
        // Sorted byte-wise, "cafz" falls between the two forms, so only a set (not a sort) finds them equal.
        let other = try Selector(type: "docker", value: "label:team:cafz")
        #expect(Selector.normalized([precomposed, other, decomposed]).count == 2)
    }

    @Test("an entry's selectors and federated trust domains come out sorted and once each")
    func entryNormalization() throws {
        let a = try Selector("unix:uid:1"), b = try Selector("k8s:ns:default"), c = try Selector("unix:gid:0")
        var entry = RegistrationEntry(
            spiffeID: try SPIFFEID("spiffe://example.org/w"), parentID: try SPIFFEID("spiffe://example.org/p"), selectors: [a, b, a, c],
            federatesWith: [try TrustDomain("b.org"), try TrustDomain("a.org"), try TrustDomain("b.org")])
        #expect(entry.selectors == [b, c, a])
        #expect(entry.federatesWith.map(\.name) == ["a.org", "b.org"])
        entry.selectors = [c, c]
        #expect(entry.selectors == [c])
    }
}
