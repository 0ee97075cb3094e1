@testable import SteepleDatastore
import SPIFFE
import Testing

@Suite("sortedUnique (selector and trust domain normalization)")
struct SortedUniqueTests {
    @Test("gives what a set then a sort gives: empty, one, sorted, reversed, duplicates anywhere")
    func matchesSetThenSort() {
        let cases: [[Int]] = [[], [5], [1, 2, 3], [3, 2, 1], [2, 2], [3, 1, 3, 2, 1, 1], [4, 4, 4, 1], [1, 9, 9, 9]]
        for values in cases {
            #expect(sortedUnique(values) == Array(Set(values)).sorted(), "\(values)")
        }
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
