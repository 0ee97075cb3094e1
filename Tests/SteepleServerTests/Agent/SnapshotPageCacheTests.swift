import Foundation
import SPIFFE
@testable import SteepleServer
import SteepleDatastore
import SteepleServerAPIProto
import SwiftProtobuf
import Testing

/// Snapshots encoded once per closure: the bytes must decode to exactly the message built field by field.
@Suite("SnapshotPageCache")
struct SnapshotPageCacheTests {
    static let alias = try! SPIFFEID("spiffe://example.org/cluster")

    static func closure(_ count: Int) throws -> EntryClosure {
        var entries: [String: RegistrationEntry] = [:]
        for n in 0..<count {
            var entry = RegistrationEntry(
                id: String(format: "e%04d", n), spiffeID: try SPIFFEID("spiffe://example.org/w/\(n)"), parentID: alias,
                selectors: [try Selector("unix:uid:\(n)"), try Selector("k8s:ns:é")])
            entry.dnsNames = n.isMultiple(of: 3) ? ["w\(n).example.org"] : []
            entry.federatesWith = n == 7 ? [try TrustDomain("other.org")] : []
            entry.revisionNumber = Int64(n)
            entries[entry.id] = entry
        }
        return EntryClosure(entries: entries, reachable: [alias])
    }

    @Test("a page decodes to the message with `upserted` set field by field, next to the stream's own fields; pages split at the page size, sorted by ID")
    func pagesDecodeAsUpserted() throws {
        let closure = try Self.closure(25)
        let snapshot = try SnapshotPageCache.encode(closure, pageSize: 10)
        #expect(snapshot.pages.map(\.count) == [10, 10, 5])
        #expect(snapshot.federatesWith == [try TrustDomain("other.org")])
        let sorted = closure.entries.values.sorted { $0.id < $1.id }
        for (index, page) in snapshot.pages.enumerated() {
            var sent = Steeple_Server_V1_SyncEntriesResponse()
            sent.snapshot = true
            sent.sequence = 42
            sent.unknownFields = page.upserted
            sent.deletedEntryIds = ["gone"]
            var expected = Steeple_Server_V1_SyncEntriesResponse()
            expected.snapshot = true
            expected.sequence = 42
            expected.deletedEntryIds = ["gone"]
            expected.upserted = sorted[(index * 10)..<min(index * 10 + 10, sorted.count)].map(\.proto)
            let received = try Steeple_Server_V1_SyncEntriesResponse(serializedBytes: try sent.serializedBytes() as [UInt8])
            #expect(received == expected)
            #expect(received.unknownFields.data.isEmpty, "the agent sees known fields only")
        }
    }

    @Test("no entries: one empty page, so the stream still sends snapshot_complete; it counts against the budget all the same")
    func emptySnapshot() throws {
        let snapshot = try SnapshotPageCache.encode(try Self.closure(0), pageSize: 10)
        #expect(snapshot.pages.map(\.count) == [0])
        #expect(snapshot.pages[0].upserted.data.isEmpty)
        #expect(snapshot.bytes == SnapshotPageCache.overhead)
    }

    @Test("a closure is encoded once and its pages handed to every caller; the budget evicts the least recently used")
    func cachesWithinBudget() throws {
        let one = try Self.closure(50)
        let bytes = try SnapshotPageCache.encode(one, pageSize: 1000).bytes
        let cache = SnapshotPageCache(pageSize: 1000, budget: bytes * 2)
        let first = try cache.snapshot(of: one)
        let again = try cache.snapshot(of: one)
        #expect(first.pages[0].upserted.data == again.pages[0].upserted.data)
        #expect(cache.held.snapshots == 1 && cache.held.bytes == bytes)

        let two = try Self.closure(50)
        let three = try Self.closure(50)
        _ = try cache.snapshot(of: two)
        _ = try cache.snapshot(of: one)  // one is now used more recently than two
        _ = try cache.snapshot(of: three)
        #expect(cache.held.snapshots == 2 && cache.held.bytes <= bytes * 2)
        #expect(cache.holds(one) && cache.holds(three))
        #expect(!cache.holds(two), "two, the least recently used, went")
    }

    @Test("the cache keeps no closure alive, and drops the snapshot of a closure that is gone")
    func closuresNotKeptAlive() throws {
        let cache = SnapshotPageCache(pageSize: 1000)
        weak var gone: EntryClosure?
        do {
            let closure = try Self.closure(20)
            gone = closure
            _ = try cache.snapshot(of: closure)
            #expect(cache.holds(closure))
        }
        #expect(gone == nil, "the cache kept the closure alive")
        _ = try cache.snapshot(of: try Self.closure(10))
        #expect(cache.held.snapshots == 1, "the snapshot of the closure that went was dropped")
    }

    @Test("the stream's messages: closure pages and the agent's own entries side by side, each at most two pages' worth; every entry once, the last message complete")
    func snapshotMessagesPageOwnEntries() throws {
        let closure = try Self.closure(1_500)
        let shared = try SnapshotPageCache.encode(closure, pageSize: AgentAPIService.snapshotPageSize)
        let agent = try SPIFFEID("spiffe://example.org/spire/agent/join_token/a")
        let own = try (0..<2_500).map { n in
            RegistrationEntry(id: String(format: "own%05d", n), spiffeID: try SPIFFEID("spiffe://example.org/own/\(n)"), parentID: agent, selectors: [try Selector("unix:uid:\(n)")])
        }
        let messages = AgentAPIService.snapshotMessages(shared: shared, own: own, sequence: 9)
        let received = try messages.map { try Steeple_Server_V1_SyncEntriesResponse(serializedBytes: try $0.serializedBytes() as [UInt8]) }
        #expect(received.count == 3)
        #expect(received.map(\.upserted.count) == [2_000, 1_500, 500])
        #expect(received.map(\.snapshotComplete) == [false, false, true])
        #expect(received.allSatisfy { $0.snapshot && $0.sequence == 9 })
        let ids = received.flatMap { $0.upserted.map(\.id) }
        #expect(Set(ids).count == 4_000 && ids.count == 4_000)

        let none = AgentAPIService.snapshotMessages(shared: try SnapshotPageCache.encode(try Self.closure(0), pageSize: 1000), own: [], sequence: 1)
        #expect(none.count == 1 && none[0].snapshotComplete && none[0].upserted.isEmpty)
    }
}
