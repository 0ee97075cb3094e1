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

    @Test("no entries: one empty page, so the stream still sends snapshot_complete")
    func emptySnapshot() throws {
        let snapshot = try SnapshotPageCache.encode(try Self.closure(0), pageSize: 10)
        #expect(snapshot.pages.map(\.count) == [0])
        #expect(snapshot.pages[0].upserted.data.isEmpty)
    }

    @Test("a closure is encoded once and its pages handed to every caller; the budget evicts the least recently used")
    func cachesWithinBudget() throws {
        let one = try Self.closure(50)
        let bytes = try SnapshotPageCache.encode(one, pageSize: 1000).bytes
        let cache = SnapshotPageCache(budget: bytes * 2)
        let first = try cache.snapshot(of: one, pageSize: 1000)
        let again = try cache.snapshot(of: one, pageSize: 1000)
        #expect(first.pages[0].upserted.data == again.pages[0].upserted.data)
        #expect(cache.held.snapshots == 1 && cache.held.bytes == bytes)

        let two = try Self.closure(50)
        let three = try Self.closure(50)
        _ = try cache.snapshot(of: two, pageSize: 1000)
        _ = try cache.snapshot(of: one, pageSize: 1000)  // one is now used more recently than two
        _ = try cache.snapshot(of: three, pageSize: 1000)
        #expect(cache.held.snapshots == 2 && cache.held.bytes <= bytes * 2)
        #expect(cache.holds(one) && cache.holds(three))
        #expect(!cache.holds(two), "two, the least recently used, went")
    }
}
