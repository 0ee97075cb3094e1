@testable import SteepleServer
import Testing

@Suite("EntryIDSet")
struct EntryIDSetTests {
    @Test("none, one inline, many as a set, and back: membership and iteration as a Set's, no duplicates")
    func transitions() {
        var ids = EntryIDSet()
        #expect(ids.isEmpty && Array(ids).isEmpty)
        ids.insert("a")
        ids.insert("a")
        #expect(!ids.isEmpty && Array(ids) == ["a"])
        ids.insert("b")
        ids.insert("c")
        #expect(Set(ids) == ["a", "b", "c"] && Array(ids).count == 3)
        ids.remove("b")
        ids.remove("zzz")
        #expect(Set(ids) == ["a", "c"])
        ids.remove("a")
        #expect(Array(ids) == ["c"])
        ids.remove("c")
        #expect(ids.isEmpty && Array(ids).isEmpty)
        ids.remove("c")
        #expect(ids.isEmpty)
    }
}
