import SPIFFE
import SteepleDatastore
@testable import SteepleServer
import Testing

@Suite("EntryTable")
struct EntryTableTests {
    static let agentA = try! SPIFFEID("spiffe://example.org/spire/agent/join_token/a")
    static let agentB = try! SPIFFEID("spiffe://example.org/spire/agent/join_token/b")

    static func entry(_ id: String, parent: SPIFFEID = agentA, uid: Int = 1000) throws -> RegistrationEntry {
        RegistrationEntry(id: id, spiffeID: try SPIFFEID("spiffe://example.org/\(id)"), parentID: parent, selectors: [try Selector("unix:uid:\(uid)")])
    }

    @Test("new entries take new slots, a replacement keeps its slot and returns the old version, a removed entry's slot is reused")
    func slots() throws {
        var table = EntryTable()
        #expect(table.upsert(try Self.entry("a")).slot == 0)
        #expect(table.upsert(try Self.entry("b")).slot == 1)
        #expect(table.upsert(try Self.entry("c")).slot == 2)
        let replaced = table.upsert(try Self.entry("b", uid: 2000))
        let uid1000 = try Selector("unix:uid:1000"), uid2000 = try Selector("unix:uid:2000")
        #expect(replaced.slot == 1 && replaced.previous?.selectors == [uid1000])
        #expect(table["b"]?.selectors == [uid2000] && table.count == 3)
        let removal = table.remove(id: "a")
        let removed = try #require(removal)
        #expect(removed.slot == 0 && removed.entry.id == "a")
        #expect(table["a"] == nil && table[slot: 0] == nil && table.count == 2)
        #expect(table.remove(id: "a") == nil)
        #expect(table.upsert(try Self.entry("d")).slot == 0, "the freed slot is reused")
        #expect(table.upsert(try Self.entry("e")).slot == 3)
        #expect(Set(table.values.map(\.id)) == ["b", "c", "d", "e"] && table.count == 4)
        #expect(table[slot: 0]?.id == "d" && table[slot: 99] == nil && table[slot: -1] == nil)
    }

    @Test("the graph over reused slots: an entry removed or moved to another parent is no longer its old agent's, the entry now in its slot is only its own agent's")
    func graphOverReusedSlots() throws {
        var graph = EntryGraph(serverID: try SPIFFEID("spiffe://example.org/spire/server"))
        graph.upsert(try Self.entry("x", parent: Self.agentA))
        graph.upsert(try Self.entry("moved", parent: Self.agentA))
        graph.remove(id: "x")
        graph.upsert(try Self.entry("y", parent: Self.agentB))
        graph.upsert(try Self.entry("moved", parent: Self.agentB))
        #expect(graph.authorization(for: Self.agentA).entries.isEmpty)
        #expect(Set(graph.authorization(for: Self.agentB).entries.keys) == ["y", "moved"])
        #expect(graph.authorizedEntry(id: "y", for: Self.agentA) == nil && graph.authorizedEntry(id: "y", for: Self.agentB)?.id == "y")
        #expect(graph.authorizedEntry(id: "x", for: Self.agentA) == nil && graph.entries.count == 2)
        #expect(graph.entries.values.allSatisfy { $0.parentID == Self.agentB })
    }

    @Test("children of one parent share one string for its ID, however many times it was decoded")
    func sharedParentID() throws {
        var graph = EntryGraph(serverID: try SPIFFEID("spiffe://example.org/spire/server"))
        for index in 0..<3 {
            // A parent parsed afresh each time, as a store decodes it from each row.
            let parent = try SPIFFEID(String("spiffe://example.org/spire/agent/join_token/\(Self.self)".utf8.map { Character(UnicodeScalar($0)) }))
            graph.upsert(try Self.entry("child-\(index)", parent: parent))
        }
        let storage = Set(graph.entries.values.map { entry in
            entry.parentID.string.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? 0
        })
        #expect(storage.count == 1 && !storage.contains(0), "one heap string for the three children's parent ID: \(storage)")
    }

    @Test("SPIFFE IDs that share a hash stay apart in the walk up to an agent")
    func collidingHashes() throws {
        var graph = EntryGraph(serverID: try SPIFFEID("spiffe://example.org/spire/server"), spiffeIDHash: { _ in 42 })
        graph.upsert(try Self.entry("mine", parent: Self.agentA))
        graph.upsert(try Self.entry("theirs", parent: Self.agentB))
        graph.upsert(try Self.entry("under-mine", parent: try SPIFFEID("spiffe://example.org/mine")))
        graph.upsert(try Self.entry("under-theirs", parent: try SPIFFEID("spiffe://example.org/theirs")))
        #expect(graph.authorizedEntry(id: "under-mine", for: Self.agentA)?.id == "under-mine")
        #expect(graph.authorizedEntry(id: "under-theirs", for: Self.agentA) == nil, "reached through an entry whose ID only shares the hash")
        #expect(graph.authorizedEntry(id: "under-theirs", for: Self.agentB)?.id == "under-theirs")
        graph.remove(id: "mine")
        #expect(graph.authorizedEntry(id: "under-mine", for: Self.agentA) == nil)
        #expect(graph.authorizedEntry(id: "under-theirs", for: Self.agentB)?.id == "under-theirs")
    }

    @Test("a registration entry is 136 bytes: a SPIFFE ID is one string, the one-byte fields are declared last (a million are held in memory)")
    func entrySize() {
        #expect(MemoryLayout<SPIFFEID>.size == 16)
        #expect(MemoryLayout<RegistrationEntry>.stride == 136)
    }

    @Test("a parent's children: one inline, then sorted 4-byte slots; duplicates ignored, removals back to one and to none")
    func slotList() {
        var list = EntrySlotList()
        #expect(list.isEmpty && Array(list).isEmpty)
        list.insert(7)
        list.insert(7)
        #expect(!list.isEmpty && Array(list) == [7])
        list.insert(3)
        list.insert(12)
        list.insert(5)
        list.insert(12)
        #expect(Array(list) == [3, 5, 7, 12])
        list.remove(5)
        list.remove(99)
        #expect(Array(list) == [3, 7, 12])
        list.remove(3)
        list.remove(12)
        #expect(Array(list) == [7])
        list.remove(7)
        #expect(list.isEmpty && Array(list).isEmpty)
        list.remove(7)
        list.insert(1)
        #expect(Array(list) == [1] && Array(EntrySlotList(4)) == [4])
        var many = EntrySlotList()
        for slot in (0..<1_000).reversed() where slot % 3 != 0 { many.insert(slot) }
        for slot in stride(from: 0, to: 1_000, by: 3) { many.insert(slot) }
        #expect(Array(many) == Array(0..<1_000))
    }
}
