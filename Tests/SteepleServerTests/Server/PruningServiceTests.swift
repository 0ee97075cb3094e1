import Foundation
import Logging
import SPIFFE
@testable import SteepleServer
import SteepleDatastore
import SteepleSupport
import Synchronization
import Testing

/// The pruner's pass on a real (in-memory) store: what expired goes, in the store's own transactions with their
/// change-log events; what did not, or is banned, or cannot re-attest without `prune_tofu_nodes`, stays.
@Suite("Pruning")
struct PruningServiceTests {
    final class Pokes: ChangeNotifier {
        let count = Atomic<Int>(0)
        func poke() { count.add(1, ordering: .relaxed) }
    }

    static let now = Date(timeIntervalSince1970: 1_900_000_000)

    static func service(_ store: InMemoryDatastore, _ pokes: Pokes, expiredFor: Duration?, tofu: Bool = false) -> PruningService {
        PruningService(
            entries: store, joinTokens: store, nodes: store, changes: pokes, earliestEntryExpiry: { nil }, expiringEntryChanged: WakeSignal(),
            nodesExpiredFor: expiredFor, includeNonReattestable: tofu, logger: Logger(label: "test"), now: { now })
    }

    @Test("expired entries and join tokens are deleted with their change-log events; agents past expired_for, not banned, re-attestable (or with prune_tofu_nodes) too")
    func pass() async throws {
        let store = InMemoryDatastore()
        let parent = try SPIFFEID("spiffe://example.org/agent")
        let selector = try Selector(type: "unix", value: "uid:1")
        _ = try await store.createEntry(RegistrationEntry(id: "gone", spiffeID: try SPIFFEID("spiffe://example.org/gone"), parentID: parent, selectors: [selector], expiresAt: Self.now - 1))
        _ = try await store.createEntry(RegistrationEntry(id: "later", spiffeID: try SPIFFEID("spiffe://example.org/later"), parentID: parent, selectors: [selector], expiresAt: Self.now + 60))
        _ = try await store.createEntry(RegistrationEntry(id: "never", spiffeID: try SPIFFEID("spiffe://example.org/never"), parentID: parent, selectors: [selector]))
        _ = try await store.createJoinToken(JoinToken(token: "old", expiresAt: Self.now - 1))
        _ = try await store.createJoinToken(JoinToken(token: "new", expiresAt: Self.now + 60))
        func node(_ name: String, notAfter: Date, reattest: Bool = true, banned: Bool = false) async throws {
            _ = try await store.createNode(AttestedNode(
                spiffeID: try SPIFFEID("spiffe://example.org/spire/agent/x/" + name), attestationType: "x", certSerialNumber: name,
                certNotAfter: notAfter, canReattest: reattest, banned: banned))
        }
        try await node("long-expired", notAfter: Self.now - 7200)
        try await node("just-expired", notAfter: Self.now - 60)
        try await node("banned", notAfter: Self.now - 7200, banned: true)
        try await node("tofu", notAfter: Self.now - 7200, reattest: false)
        let sequence = try await store.latestSequence()

        let pokes = Pokes()
        await Self.service(store, pokes, expiredFor: nil).pruneOnce(at: Self.now)
        #expect(try await store.fetchEntry(id: "gone") == nil)
        #expect(try await store.fetchEntry(id: "later") != nil)
        #expect(try await store.fetchEntry(id: "never") != nil)
        #expect(try await store.fetchJoinToken("old") == nil)
        #expect(try await store.fetchJoinToken("new") != nil)
        #expect(try await store.countNodes(AttestedNodeQuery()) == 4, "no prune_attested_nodes_expired_for: agents stay")
        #expect(pokes.count.load(ordering: .relaxed) == 1, "the entry index is told")
        #expect(try await store.latestSequence() > sequence, "the deletion is in the change log")

        await Self.service(store, pokes, expiredFor: .seconds(3600)).pruneOnce(at: Self.now)
        let left = Set(try await store.listNodes().map { $0.spiffeID.path })
        #expect(left == ["/spire/agent/x/just-expired", "/spire/agent/x/banned", "/spire/agent/x/tofu"])
        await Self.service(store, pokes, expiredFor: .seconds(3600), tofu: true).pruneOnce(at: Self.now)
        #expect(Set(try await store.listNodes().map { $0.spiffeID.path }) == ["/spire/agent/x/just-expired", "/spire/agent/x/banned"])
        #expect(try await store.fetchEntry(id: "later") != nil)
    }
}
