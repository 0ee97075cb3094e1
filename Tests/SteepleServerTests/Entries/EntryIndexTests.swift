import Foundation
import Logging
import SPIFFE
@testable import SteepleServer
import SteepleDatastore
import SteepleDatastorePostgres
import SteepleTestSupport
import Testing

/// Which entries an agent is authorized for, and the push of every committed change to its open subscription.
@Suite("EntryIndex")
struct EntryIndexTests {
    static let server = try! SPIFFEID("spiffe://example.org/spire/server")
    static let agent = try! SPIFFEID("spiffe://example.org/spire/agent/join_token/a")
    static let otherAgent = try! SPIFFEID("spiffe://example.org/spire/agent/join_token/b")

    static func entry(_ id: String, _ spiffeID: String, parent: SPIFFEID, selectors: [String] = ["unix:uid:1000"]) throws -> RegistrationEntry {
        RegistrationEntry(id: id, spiffeID: try SPIFFEID(spiffeID), parentID: parent, selectors: try selectors.map { try Selector($0) })
    }

    /// An index loaded from `store` and following its change log until the returned task is cancelled.
    static func followingIndex(_ store: InMemoryDatastore) async throws -> (EntryIndex, Task<Void, Never>) {
        let index = EntryIndex(serverID: server, store: store, logger: Logger(label: "test"))
        try await index.load()
        return (index, Task { await index.follow() })
    }

    @Test("authorizes entries reachable through parents and through node aliases whose selectors the node has, not the alias entries themselves (SPIRE)")
    func graph() throws {
        var graph = EntryGraph(serverID: Self.server)
        graph.upsert(try Self.entry("direct", "spiffe://example.org/web", parent: Self.agent))
        graph.upsert(try Self.entry("nested", "spiffe://example.org/web/child", parent: try SPIFFEID("spiffe://example.org/web")))
        graph.upsert(try Self.entry("alias", "spiffe://example.org/cluster", parent: Self.server, selectors: ["x509pop:subject:cn:node"]))
        graph.upsert(try Self.entry("via-alias", "spiffe://example.org/db", parent: try SPIFFEID("spiffe://example.org/cluster")))
        graph.upsert(try Self.entry("other", "spiffe://example.org/other", parent: Self.otherAgent))
        #expect(Set(graph.authorization(for: Self.agent).entries.keys) == ["direct", "nested"])
        graph.setNode(Self.agent, selectors: [try Selector("x509pop:subject:cn:node"), try Selector("x509pop:ca:fingerprint:ab")])
        #expect(Set(graph.authorization(for: Self.agent).entries.keys) == ["direct", "nested", "via-alias"])
        #expect(graph.authorization(for: Self.agent).reachable.contains(try SPIFFEID("spiffe://example.org/cluster")))
        #expect(graph.authorizedEntry(id: "alias", for: Self.agent) == nil, "no agent may have an SVID signed for an alias ID")
        graph.setNode(Self.otherAgent, selectors: [try Selector("x509pop:subject:cn:elsewhere")])
        #expect(Set(graph.authorization(for: Self.otherAgent).entries.keys) == ["other"])
        graph.remove(id: "direct")
        #expect(graph.authorization(for: Self.agent).entries["nested"] == nil)
    }

    @Test("the per-entry check (batch and JWT signing) agrees with the full authorization, cycles included")
    func perEntryCheck() throws {
        var graph = EntryGraph(serverID: Self.server)
        graph.upsert(try Self.entry("direct", "spiffe://example.org/web", parent: Self.agent))
        graph.upsert(try Self.entry("nested", "spiffe://example.org/web/child", parent: try SPIFFEID("spiffe://example.org/web")))
        graph.upsert(try Self.entry("deeper", "spiffe://example.org/web/child/2", parent: try SPIFFEID("spiffe://example.org/web/child")))
        graph.upsert(try Self.entry("alias", "spiffe://example.org/cluster", parent: Self.server, selectors: ["x509pop:subject:cn:node"]))
        graph.upsert(try Self.entry("via-alias", "spiffe://example.org/db", parent: try SPIFFEID("spiffe://example.org/cluster")))
        graph.upsert(try Self.entry("other", "spiffe://example.org/other", parent: Self.otherAgent))
        graph.upsert(try Self.entry("loop-a", "spiffe://example.org/loop/a", parent: try SPIFFEID("spiffe://example.org/loop/b")))
        graph.upsert(try Self.entry("loop-b", "spiffe://example.org/loop/b", parent: try SPIFFEID("spiffe://example.org/loop/a")))
        graph.setNode(Self.agent, selectors: [try Selector("x509pop:subject:cn:node")])
        let all = ["direct", "nested", "deeper", "alias", "via-alias", "other", "loop-a", "loop-b", "missing"]
        for agent in [Self.agent, Self.otherAgent] {
            let full = Set(graph.authorization(for: agent).entries.keys)
            let perEntry = Set(all.filter { graph.authorizedEntry(id: $0, for: agent) != nil })
            #expect(perEntry == full, "agent \(agent)")
        }
        #expect(graph.authorizedEntry(id: "via-alias", for: Self.otherAgent) == nil)
        graph.remove(id: "nested")
        #expect(graph.authorizedEntry(id: "deeper", for: Self.agent) == nil)
    }

    @Test("loads the same authorizations from ID-ordered pages (in-memory store) and from a bulk-loading store (PostgreSQL), over several batches")
    func loadsFromEitherKindOfStore() async throws {
        let entries = try (0..<25_000).map { n in
            try Self.entry("e\(n)", "spiffe://example.org/w/\(n)", parent: n.isMultiple(of: 2) ? Self.agent : Self.otherAgent, selectors: ["unix:uid:\(n)"])
        }
        let memory = InMemoryDatastore()
        _ = try await memory.createEntries(entries)
        let fromPages = EntryIndex(serverID: Self.server, store: memory, logger: Logger(label: "test"))
        try await fromPages.load(batchSize: 1_000)
        try await PostgresTestServer.withStore { postgres, _ in
            _ = try await postgres.createEntries(entries)
            let lines = RecordedLines()
            let fromBulk = EntryIndex(serverID: Self.server, store: postgres, logger: Logger(label: "test") { _ in RecordingLogHandler(lines: lines) })
            // 25 batches: more than the four the reader may run ahead of the indexer.
            try await fromBulk.load(batchSize: 1_000)
            #expect(lines.all.first { $0.message == "entry index loaded" }?.metadata["read_by"] == "bulk")
            for agent in [Self.agent, Self.otherAgent] {
                // (createdAt differs: each store stamps it from its own clock.)
                func summary(_ entries: [String: RegistrationEntry]) -> [String: String] {
                    entries.mapValues { "\($0.spiffeID) \($0.parentID) \($0.selectors)" }
                }
                let bulk = summary(fromBulk.authorizedEntries(for: agent))
                let pages = summary(fromPages.authorizedEntries(for: agent))
                #expect(bulk.count == 12_500)
                #expect(bulk == pages, "\(Set(bulk.keys).symmetricDifference(pages.keys).count) entries differ")
            }
        }
    }

    @Test("a subscription hands out its snapshot once, sorted into pages by the caller, and keeps no copy")
    func snapshotTakenOnce() async throws {
        let store = InMemoryDatastore()
        _ = try await store.createEntry(try Self.entry("web", "spiffe://example.org/web", parent: Self.agent))
        _ = try await store.createEntry(try Self.entry("db", "spiffe://example.org/db", parent: Self.agent))
        let index = EntryIndex(serverID: Self.server, store: store, logger: Logger(label: "test"))
        try await index.load()
        let subscription = index.subscribe(agentID: Self.agent)
        #expect(subscription.takeSnapshot()?.entries.keys.sorted() == ["db", "web"])
        #expect(subscription.takeSnapshot() == nil)
        subscription.cancel()
    }

    @Test("a committed entry reaches an open subscription, and an unrelated one does not", .timeLimit(.minutes(1)))
    func pushes() async throws {
        let store = InMemoryDatastore()
        let (index, follower) = try await Self.followingIndex(store)
        defer { follower.cancel() }
        let mine = index.subscribe(agentID: Self.agent)
        let theirs = index.subscribe(agentID: Self.otherAgent)
        #expect(mine.takeSnapshot()?.entries.isEmpty == true)

        _ = try await store.createEntry(try Self.entry("web", "spiffe://example.org/web", parent: Self.agent))
        index.poke()
        var iterator = mine.deltas.makeAsyncIterator()
        let created = try #require(await iterator.next())
        #expect(created.upserted.map(\.id) == ["web"])

        var updated = try #require(try await store.fetchEntry(id: "web"))
        updated.dnsNames = ["web.example.org"]
        _ = try await store.updateEntry(updated)
        index.poke()
        let changed = try #require(await iterator.next())
        #expect(changed.upserted.first?.dnsNames == ["web.example.org"])

        _ = try await store.deleteEntry(id: "web")
        index.poke()
        let deleted = try #require(await iterator.next())
        #expect(deleted.deletedIDs == ["web"])

        theirs.cancel()
        var other = theirs.deltas.makeAsyncIterator()
        #expect(await other.next() == nil, "the other agent's stream saw nothing and ends when cancelled")
        mine.cancel()
    }

    @Test("deltas go exactly to the agents a change concerns: moved, nested, alias and deleted entries", .timeLimit(.minutes(1)))
    func routesChanges() async throws {
        let store = InMemoryDatastore()
        for (agent, selector) in [(Self.agent, "k8s:node:a"), (Self.otherAgent, "k8s:node:b")] {
            _ = try await store.createNode(AttestedNode(
                spiffeID: agent, attestationType: "join_token", certSerialNumber: "1", certNotAfter: Date() + 3600,
                selectors: [try Selector(selector)]))
        }
        let (index, follower) = try await Self.followingIndex(store)
        defer { follower.cancel() }
        let a = index.subscribe(agentID: Self.agent)
        let b = index.subscribe(agentID: Self.otherAgent)
        var aDeltas = a.deltas.makeAsyncIterator()
        var bDeltas = b.deltas.makeAsyncIterator()
        // Each change is waited for on a stream it concerns before the next one, so a delta on the wrong stream would
        // show up as the next delta of that stream and fail its check.
        func summary(_ delta: EntryDelta?) -> String {
            guard let delta else { return "ended" }
            return "+" + delta.upserted.map(\.id).sorted().joined(separator: ",") + " -" + delta.deletedIDs.joined(separator: ",")
        }

        // Under A only.
        _ = try await store.createEntry(try Self.entry("web", "spiffe://example.org/web", parent: Self.agent))
        index.poke()
        #expect(summary(await aDeltas.next()) == "+web -")
        // Nested under A's entry: A only.
        _ = try await store.createEntry(try Self.entry("nested", "spiffe://example.org/nested", parent: try SPIFFEID("spiffe://example.org/web")))
        index.poke()
        #expect(summary(await aDeltas.next()) == "+nested -")
        // An alias of the nodes with B's selector (not sent: it names no workload), and an entry under it: B only.
        _ = try await store.createEntry(try Self.entry("alias", "spiffe://example.org/nodes/b", parent: Self.server, selectors: ["k8s:node:b"]))
        index.poke()
        _ = try await store.createEntry(try Self.entry("db", "spiffe://example.org/db", parent: try SPIFFEID("spiffe://example.org/nodes/b")))
        index.poke()
        #expect(summary(await bDeltas.next()) == "+db -")
        // web moves from A to the alias: A loses web and what hangs from it, B gains both.
        var moved = try #require(try await store.fetchEntry(id: "web"))
        moved.parentID = try SPIFFEID("spiffe://example.org/nodes/b")
        _ = try await store.updateEntry(moved)
        index.poke()
        #expect(summary(await aDeltas.next()) == "+ -nested,web")
        #expect(summary(await bDeltas.next()) == "+nested,web -")
        // The alias is deleted: B loses everything that hung from it; A hears nothing.
        _ = try await store.deleteEntry(id: "alias")
        index.poke()
        #expect(summary(await bDeltas.next()) == "+ -db,nested,web")

        a.cancel()
        b.cancel()
        #expect(summary(await aDeltas.next()) == "ended", "A got a delta that did not concern it")
        #expect(summary(await bDeltas.next()) == "ended", "B got a delta that did not concern it")
    }

    @Test("agents of one group share one closure, whether grouped by a node alias or by their own entry naming the group (a join token's -spiffeID); a node's new selectors reach only its stream", .timeLimit(.minutes(1)))
    func sharesClosuresByGroup() async throws {
        let third = try SPIFFEID("spiffe://example.org/spire/agent/join_token/c")
        let fourth = try SPIFFEID("spiffe://example.org/spire/agent/join_token/d")
        let store = InMemoryDatastore()
        for (agent, selector) in [(Self.agent, "k8s:cluster:one"), (Self.otherAgent, "k8s:cluster:one"), (third, "k8s:cluster:two"), (fourth, "k8s:cluster:two")] {
            _ = try await store.createNode(AttestedNode(
                spiffeID: agent, attestationType: "join_token", certSerialNumber: "1", certNotAfter: Date() + 3600,
                selectors: [try Selector(selector)]))
        }
        let cluster = try SPIFFEID("spiffe://example.org/cluster/one")
        let group = try SPIFFEID("spiffe://example.org/group/two")
        _ = try await store.createEntry(try Self.entry("alias", cluster.string, parent: Self.server, selectors: ["k8s:cluster:one"]))
        _ = try await store.createEntry(try Self.entry("web", "spiffe://example.org/web", parent: cluster))
        // C and D each have an entry of their own naming group two, as `token generate -spiffeID` makes.
        _ = try await store.createEntry(try Self.entry("c-node", group.string, parent: third))
        _ = try await store.createEntry(try Self.entry("d-node", group.string, parent: fourth))
        _ = try await store.createEntry(try Self.entry("api", "spiffe://example.org/api", parent: group))
        let (index, follower) = try await Self.followingIndex(store)
        defer { follower.cancel() }

        let a = index.subscribe(agentID: Self.agent)
        let b = index.subscribe(agentID: Self.otherAgent)
        let c = index.subscribe(agentID: third)
        let d = index.subscribe(agentID: fourth)
        let snapshots = try [a, b, c, d].map { try #require($0.takeSnapshot()) }
        #expect(snapshots[0].closure === snapshots[1].closure, "one node alias: one closure")
        #expect(snapshots[2].closure === snapshots[3].closure, "own entries naming one group: one closure")
        #expect(snapshots[0].closure !== snapshots[2].closure)
        #expect(snapshots[0].entries.keys.sorted() == ["web"])
        #expect(snapshots[2].entries.keys.sorted() == ["api", "c-node"])
        #expect(snapshots[3].entries.keys.sorted() == ["api", "d-node"])

        var aDeltas = a.deltas.makeAsyncIterator()
        var bDeltas = b.deltas.makeAsyncIterator()
        var cDeltas = c.deltas.makeAsyncIterator()
        var dDeltas = d.deltas.makeAsyncIterator()
        // A change under the group: C and D get the same delta; A and B hear nothing.
        _ = try await store.createEntry(try Self.entry("db", "spiffe://example.org/db", parent: group))
        index.poke()
        #expect(await cDeltas.next()?.upserted.map(\.id) == ["db"])
        #expect(await dDeltas.next()?.upserted.map(\.id) == ["db"])

        // C's own entry is deleted: C loses it and the whole group; D keeps both.
        _ = try await store.deleteEntry(id: "c-node")
        index.poke()
        let lost = await cDeltas.next()
        #expect(lost?.upserted.isEmpty == true)
        #expect(lost?.deletedIDs == ["api", "c-node", "db"])
        #expect(index.authorizedEntries(for: fourth).keys.sorted() == ["api", "d-node", "db"])

        // An entry of A's own: only A hears of it; A keeps the alias's entries, B is unchanged.
        _ = try await store.createEntry(try Self.entry("mine", "spiffe://example.org/mine", parent: Self.agent))
        index.poke()
        #expect(await aDeltas.next()?.upserted.map(\.id) == ["mine"])
        #expect(index.authorizedEntries(for: Self.agent).keys.sorted() == ["mine", "web"])
        #expect(index.authorizedEntries(for: Self.otherAgent).keys.sorted() == ["web"])
        // None of the changes so far was under cluster one's IDs: its closure is still the one shared at the start
        // (an attestation's own entry must not cost every group its closure); group two's was rebuilt.
        let later = index.subscribe(agentID: Self.otherAgent)
        #expect(try #require(later.takeSnapshot()).closure === snapshots[0].closure)
        later.cancel()
        let laterD = index.subscribe(agentID: fourth)
        #expect(try #require(laterD.takeSnapshot()).closure !== snapshots[3].closure)
        laterD.cancel()

        // C's node now carries cluster one's selector: only C's stream hears of it, with the alias's entries.
        var node = try #require(try await store.fetchNode(spiffeID: third))
        node.selectors = [try Selector("k8s:cluster:one")]
        _ = try await store.updateNode(node)
        index.poke()
        #expect(await cDeltas.next()?.upserted.map(\.id).sorted() == ["web"])

        for subscription in [a, b, c, d] { subscription.cancel() }
        #expect(await aDeltas.next() == nil, "A got a delta that did not concern it")
        #expect(await bDeltas.next() == nil, "B got a delta that did not concern it")
        #expect(await cDeltas.next() == nil, "C got a delta that did not concern it")
        #expect(await dDeltas.next() == nil, "D got a delta that did not concern it")
    }

    @Test("closures no stream holds are let go as they pile up; the ones open streams hold stay")
    func sweepsUnheldClosures() async throws {
        let store = InMemoryDatastore()
        let agents = try (0..<200).map { try SPIFFEID("spiffe://example.org/spire/agent/join_token/n\($0)") }
        for (n, agent) in agents.enumerated() {
            _ = try await store.createEntry(try Self.entry("node-\(n)", "spiffe://example.org/group/\(n)", parent: agent))
        }
        let index = EntryIndex(serverID: Self.server, store: store, logger: Logger(label: "test"))
        try await index.load()
        let held = index.subscribe(agentID: agents[0])
        let heldClosure = try #require(held.takeSnapshot()).closure
        // 200 agents of 200 groups, asked once each and not held: the closures are let go along the way.
        for agent in agents { _ = index.authorizedEntries(for: agent) }
        #expect(index.closureCount < 150, "\(index.closureCount) closures kept for 200 agents no stream holds")
        let again = index.subscribe(agentID: agents[0])
        #expect(try #require(again.takeSnapshot()).closure === heldClosure, "the closure an open stream holds was let go")
        held.cancel()
        again.cancel()
    }
}
