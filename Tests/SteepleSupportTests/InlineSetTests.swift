import SteepleSupport
import Testing

@Suite("InlineSet")
struct InlineSetTests {
    @Test("none, one inline, many as a set, and back: membership and iteration as a Set's, no duplicates")
    func transitions() {
        var ids = InlineSet<Int>()
        #expect(ids.isEmpty && Array(ids).isEmpty)
        ids.insert(1)
        ids.insert(1)
        #expect(!ids.isEmpty && Array(ids) == [1])
        ids.insert(2)
        ids.insert(3)
        #expect(Set(ids) == [1, 2, 3] && Array(ids).count == 3)
        ids.remove(2)
        ids.remove(99)
        #expect(Set(ids) == [1, 3])
        ids.remove(1)
        #expect(Array(ids) == [3])
        ids.remove(3)
        #expect(ids.isEmpty && Array(ids).isEmpty)
        ids.remove(3)
        #expect(ids.isEmpty)
        #expect(Array(InlineSet(7)) == [7])
    }

    @Test("strings (an agent's entry IDs under a selector): a second value makes a set, removing it goes back to one")
    func strings() {
        var ids = InlineSet("a")
        ids.insert("b")
        #expect(Set(ids) == ["a", "b"])
        ids.remove("a")
        #expect(Array(ids) == ["b"])
    }
}
