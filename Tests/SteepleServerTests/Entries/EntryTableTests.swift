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

    @Test("linked slots: a list from its head, unlinking the head, a middle slot and the last one says what the list became")
    func slotChains() {
        var chains = SlotChains()
        chains.makeHead(5)
        #expect(Array(chains.list(from: 5)) == [5])
        chains.link(2, after: 5)
        chains.link(9, after: 5)
        chains.link(0, after: 5)
        #expect(Array(chains.list(from: 5)) == [5, 0, 9, 2])
        #expect(chains.unlink(9) == .wasInside)
        #expect(Array(chains.list(from: 5)) == [5, 0, 2])
        #expect(chains.unlink(5) == .wasHead(newHead: 0))
        #expect(Array(chains.list(from: 0)) == [0, 2])
        #expect(chains.unlink(2) == .wasInside)
        #expect(chains.unlink(0) == .wasOnlySlot)
        chains.makeHead(0)
        chains.link(9, after: 0)
        #expect(Array(chains.list(from: 0)) == [0, 9], "unlinked slots start afresh")
    }

    @Test("a vacant slot is neither a value nor counted; an entry with an empty ID is not indexed")
    func vacantSlots() throws {
        var table = EntryTable()
        _ = table.upsert(try Self.entry("a"))
        _ = table.upsert(try Self.entry("b"))
        _ = table.remove(id: "a")
        #expect(table.count == 1 && table.values.map(\.id) == ["b"] && table[slot: 0] == nil && table.spiffeID(at: 0) == nil)
        #expect(table[""] == nil && table.remove(id: "") == nil)
        var graph = EntryGraph(serverID: try SPIFFEID("spiffe://example.org/spire/server"))
        let noID = RegistrationEntry(id: "", spiffeID: try SPIFFEID("spiffe://example.org/x"), parentID: Self.agentA, selectors: [try Selector("unix:uid:1")])
        #expect(graph.upsert(noID) == nil)
        #expect(graph.entries.count == 0 && graph.authorization(for: Self.agentA).entries.isEmpty)
    }

    @Test("many entries with one SPIFFE ID and one parent (a pod each): every one reachable, then moved to another SPIFFE ID, then removed one by one")
    func manyEntriesShareASPIFFEID() throws {
        var graph = EntryGraph(serverID: try SPIFFEID("spiffe://example.org/spire/server"))
        let shared = try SPIFFEID("spiffe://example.org/ns/web/sa/web")
        let other = try SPIFFEID("spiffe://example.org/ns/web/sa/other")
        let count = 2_000
        for index in 0..<count {
            graph.upsert(RegistrationEntry(id: "pod-\(index)", spiffeID: shared, parentID: Self.agentA, selectors: [try Selector("k8s:pod-uid:\(index)")]))
        }
        // Entries under the shared ID (a workload's own child), reached through any of its many entries.
        graph.upsert(RegistrationEntry(id: "child", spiffeID: try SPIFFEID("spiffe://example.org/child"), parentID: shared, selectors: [try Selector("unix:uid:1")]))
        #expect(graph.authorization(for: Self.agentA).entries.count == count + 1)
        #expect(graph.authorizedEntry(id: "child", for: Self.agentA)?.id == "child")
        #expect(graph.authorizedEntry(id: "pod-1999", for: Self.agentA)?.id == "pod-1999")
        // Half move to another SPIFFE ID (an update keeps the slot, changes the key).
        for index in stride(from: 0, to: count, by: 2) {
            graph.upsert(RegistrationEntry(id: "pod-\(index)", spiffeID: other, parentID: Self.agentA, selectors: [try Selector("k8s:pod-uid:\(index)")]))
        }
        #expect(graph.authorizedEntry(id: "child", for: Self.agentA)?.id == "child", "still reached through the odd ones")
        for index in stride(from: 1, to: count, by: 2) { graph.remove(id: "pod-\(index)") }
        #expect(graph.authorizedEntry(id: "child", for: Self.agentA) == nil, "no entry issues the shared ID any more")
        #expect(graph.authorizedEntry(id: "pod-0", for: Self.agentA)?.spiffeID == other)
        for index in stride(from: 0, to: count, by: 2) { graph.remove(id: "pod-\(index)") }
        #expect(graph.entries.count == 1 && graph.children(of: Self.agentA).isEmpty)
        graph.upsert(RegistrationEntry(id: "again", spiffeID: shared, parentID: Self.agentA, selectors: [try Selector("unix:uid:2")]))
        #expect(graph.authorizedEntry(id: "child", for: Self.agentA)?.id == "child", "the shared ID issued again, in a reused slot")
    }
}
