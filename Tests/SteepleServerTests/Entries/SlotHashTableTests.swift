@testable import SteepleServer
import SteepleTestSupport
import Testing

@Suite("SlotHashTable")
struct SlotHashTableTests {
    /// Records of a caller: slot → key. The table knows only hashes; lookups compare keys here.
    struct Records {
        var keys: [Int: String] = [:]
        let hash: (String) -> Int

        func hashOf(_ slot: Int) -> Int { hash(keys[slot]!) }
    }

    @Test("insert, find by key, remove: lookups compare keys, so keys that share a hash stay apart")
    func sharedHashes() {
        var records = Records(hash: { _ in 7 })
        var table = SlotHashTable()
        for (slot, key) in ["a", "b", "c"].enumerated() {
            records.keys[slot] = key
            table.insert(slot, hash: records.hash(key), hashOf: records.hashOf)
        }
        #expect(table.count == 3)
        #expect(table.first(hash: 7, where: { records.keys[$0] == "b" }) == 1)
        #expect(table.first(hash: 7, where: { records.keys[$0] == "z" }) == nil)
        let removed = table.remove(0, hash: 7, hashOf: records.hashOf)
        records.keys[0] = nil
        let removedAgain = table.remove(0, hash: 7, hashOf: records.hashOf)
        #expect(removed && !removedAgain, "removed once, not stored twice")
        #expect(table.first(hash: 7, where: { records.keys[$0] == "c" }) == 2, "reachable after the slot before it left")
        #expect(table.first(hash: 7, where: { records.keys[$0] == "b" }) == 1 && table.count == 2)
        // Slot 5 takes over slot 2's key: found where 2 was, and 2 is gone.
        records.keys[5] = "c"
        #expect(table.replace(2, with: 5, hash: 7) && !table.replace(2, with: 6, hash: 7))
        #expect(table.first(hash: 7, where: { records.keys[$0] == "c" }) == 5 && table.count == 2)
        #expect(SlotHashTable().first(hash: 7, where: { _ in true }) == nil)
    }

    @Test("random inserts and removals, with few hashes and runs that wrap around the end: always what a dictionary holds")
    func againstADictionary() {
        var generator = SplitMix64(seed: 20)
        // Hashes near the top of the range wrap around the end of the buckets.
        var records = Records(hash: { key in Int.max - Int(key.dropFirst())! % 5 })
        var table = SlotHashTable()
        var reference: [String: Int] = [:]
        var freeSlots: [Int] = []
        var nextSlot = 0
        for step in 0..<5_000 {
            let key = "k\(generator.next() % 60)"
            if let slot = reference[key], generator.next() % 3 != 0 {
                let removed = table.remove(slot, hash: records.hash(key), hashOf: records.hashOf)
                #expect(removed)
                records.keys[slot] = nil
                reference[key] = nil
                freeSlots.append(slot)
            } else if reference[key] == nil {
                let slot = freeSlots.popLast() ?? { defer { nextSlot += 1 }; return nextSlot }()
                records.keys[slot] = key
                table.insert(slot, hash: records.hash(key), hashOf: records.hashOf)
                reference[key] = slot
            }
            if step % 97 == 0 || step == 4_999 {
                #expect(table.count == reference.count)
                for (key, slot) in reference {
                    #expect(table.first(hash: records.hash(key), where: { records.keys[$0] == key }) == slot, "step \(step): \(key)")
                }
            }
        }
    }

    @Test("reserving room keeps what is stored; growth past it rehashes everything")
    func growth() {
        let records = Records(keys: Dictionary(uniqueKeysWithValues: (0..<1_000).map { ($0, "key-\($0)") }), hash: { $0.hashValue })
        var table = SlotHashTable()
        for slot in 0..<10 { table.insert(slot, hash: records.hashOf(slot), hashOf: records.hashOf) }
        table.reserveCapacity(500, hashOf: records.hashOf)
        for slot in 10..<1_000 { table.insert(slot, hash: records.hashOf(slot), hashOf: records.hashOf) }
        #expect(table.count == 1_000)
        #expect((0..<1_000).allSatisfy { slot in table.first(hash: records.hashOf(slot), where: { records.keys[$0] == records.keys[slot] }) == slot })
    }
}

