import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto
import SwiftProtobuf
import Synchronization

/// The sync snapshot's entries, converted and encoded once per ``EntryClosure``: when a hundred agents of one group
/// connect, they are sent the same bytes instead of each having a thousand entries converted to protobuf and
/// serialized again (each agent's own entries are sent beside them). Bounded by the bytes it holds, least recently
/// used out first; it does not keep a closure alive (the index decides that), and a snapshot whose closure is gone
/// is dropped.
///
/// A page carries its entries as `SyncEntriesResponse.upserted` already encoded, in the message's unknown-field
/// storage, which SwiftProtobuf writes out verbatim after the known fields. Repeated fields may come in any order on
/// the wire, so the agent decodes exactly the message it would have got with `upserted` set (a test compares both).
final class SnapshotPageCache: Sendable {
    /// One message's worth of entries, encoded as the `upserted` field.
    struct Page: Sendable {
        let upserted: UnknownStorage
        let count: Int
    }

    /// A closure's entries in pages (at least one, empty for no entries) and the trust domains they federate with.
    struct Snapshot: Sendable {
        let pages: [Page]
        let federatesWith: Set<TrustDomain>
        /// The encoded bytes, plus ``overhead`` for the record itself, so that empty snapshots count too.
        let bytes: Int
    }

    /// What a cached snapshot costs beyond its encoded bytes (pages, set, bookkeeping), for the budget.
    static let overhead = 512

    private struct Cached {
        /// Compared with the closure asked for: an identifier can be reused once its object is gone.
        weak var closure: EntryClosure?
        let snapshot: Snapshot
        var lastUse: UInt64
    }

    private struct State {
        var cached: [ObjectIdentifier: Cached] = [:]
        var uses: UInt64 = 0
        var bytes = 0

        mutating func remove(_ key: ObjectIdentifier) {
            if let gone = cached.removeValue(forKey: key) { bytes -= gone.snapshot.bytes }
        }
    }

    let pageSize: Int
    private let budget: Int
    private let state = Mutex(State())

    /// `budget`: the bytes kept at most (32 MiB: a hundred groups of a thousand entries take about 16).
    init(pageSize: Int, budget: Int = 32 << 20) {
        self.pageSize = pageSize
        self.budget = budget
    }

    /// The entries of `closure` in pages of ``pageSize``, sorted by entry ID.
    func snapshot(of closure: EntryClosure) throws -> Snapshot {
        let key = ObjectIdentifier(closure)
        let hit: Snapshot? = state.withLock { state in
            state.uses += 1
            guard let cached = state.cached[key] else { return nil }
            guard cached.closure === closure else {
                state.remove(key)
                return nil
            }
            state.cached[key]?.lastUse = state.uses
            return cached.snapshot
        }
        if let hit { return hit }
        // Encoded outside the lock: two agents of one group arriving together may both encode, and one result is kept.
        let snapshot = try Self.encode(closure, pageSize: pageSize)
        state.withLock { state in
            guard state.cached[key]?.closure !== closure, snapshot.bytes <= budget else { return }
            state.remove(key)
            // Snapshots of closures the index has let go first, then the least recently used.
            for (stale, cached) in state.cached where cached.closure == nil { state.remove(stale) }
            state.cached[key] = Cached(closure: closure, snapshot: snapshot, lastUse: state.uses)
            state.bytes += snapshot.bytes
            while state.bytes > budget, let oldest = state.cached.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.remove(oldest.key)
            }
        }
        return snapshot
    }

    /// The number of snapshots and bytes held (for tests).
    var held: (snapshots: Int, bytes: Int) { state.withLock { ($0.cached.count, $0.bytes) } }

    /// Whether the pages of `closure` are held (for tests).
    func holds(_ closure: EntryClosure) -> Bool {
        state.withLock { $0.cached[ObjectIdentifier(closure)]?.closure === closure }
    }

    /// Encodes `closure`'s entries, sorted by ID, in pages of `pageSize`.
    static func encode(_ closure: EntryClosure, pageSize: Int) throws -> Snapshot {
        let entries = closure.entries.values.sorted { $0.id < $1.id }
        var pages: [Page] = []
        var bytes = overhead
        var offset = 0
        repeat {
            let end = min(offset + pageSize, entries.count)
            var carrier = Steeple_Server_V1_SyncEntriesResponse()
            carrier.upserted = entries[offset..<end].map(\.proto)
            let encoded: [UInt8] = try carrier.serializedBytes()
            // A message without fields keeps every field it reads as unknown, byte for byte.
            let upserted = try Google_Protobuf_Empty(serializedBytes: encoded).unknownFields
            pages.append(Page(upserted: upserted, count: end - offset))
            bytes += encoded.count
            offset = end
        } while offset < entries.count
        return Snapshot(pages: pages, federatesWith: Set(entries.flatMap(\.federatesWith)), bytes: bytes)
    }
}
