import Logging
import SPIFFE
import SteepleDatastore
import SteepleSupport
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one agent's sync stream receives after its snapshot: entries added or changed, and entries it lost.
struct EntryDelta: Sendable {
    var upserted: [RegistrationEntry] = []
    var deletedIDs: [String] = []
    var sequence: UInt64 = 0
    /// A bundle (own or federated) changed.
    var bundlesChanged = false
    /// The agent was evicted or banned: the stream must end.
    var revoked = false
    var isEmpty: Bool { upserted.isEmpty && deletedIDs.isEmpty && !bundlesChanged && !revoked }
}

/// One agent's sync feed: what it was authorized for when it subscribed, then every delta. The snapshot is handed
/// out once (``takeSnapshot()``).
final class EntrySubscription: Sendable {
    private let snapshot: Mutex<EntryAuthorization?>
    /// The change-log position the snapshot reflects.
    let sequence: UInt64
    let deltas: AsyncStream<EntryDelta>
    private let continuation: AsyncStream<EntryDelta>.Continuation

    init(snapshot: EntryAuthorization, sequence: UInt64, deltas: AsyncStream<EntryDelta>, continuation: AsyncStream<EntryDelta>.Continuation) {
        self.snapshot = Mutex(snapshot)
        self.sequence = sequence
        self.deltas = deltas
        self.continuation = continuation
    }

    /// The snapshot, the first time; `nil` afterwards.
    func takeSnapshot() -> EntryAuthorization? {
        snapshot.withLock { stored in
            defer { stored = nil }
            return stored
        }
    }

    /// Ends the delta stream.
    func cancel() { continuation.finish() }
}

/// The in-memory index of entries and nodes that answers "what is agent X authorized for?" without touching the
/// store, and pushes every committed change to the sync streams it concerns. It follows the store's change log:
/// after a commit, the writer calls ``poke()``; the index reads the new events, applies them and fans out deltas.
/// No timer is involved anywhere on that path.
final class EntryIndex: Sendable {
    private struct Subscription {
        var continuation: AsyncStream<EntryDelta>.Continuation
        var agentID: SPIFFEID
        /// What the agent was last sent (its closure shared with the other agents of its group).
        var authorization: EntryAuthorization
    }

    private struct State {
        var graph: EntryGraph
        var sequence: UInt64 = 0
        var subscriptions: [UInt64: Subscription] = [:]
        /// The subscriptions of each agent, so that a node change (an attestation) visits those, not all.
        var subscriptionsByAgent: [SPIFFEID: [UInt64]] = [:]
        var nextID: UInt64 = 0
        /// The closures by roots (an agent's aliases and its own entries' SPIFFE IDs), each dropped when an entry
        /// under an ID it reaches changes.
        var closures: [Set<SPIFFEID>: EntryClosure] = [:]
        /// The number of closures past which those no stream holds are let go (then twice what is left, at least 64),
        /// so that the roots of agents gone, or of an agent whose own entries changed, do not pile up.
        var sweepAt = 64

        /// What `agentID` is authorized for now: its own entries, and the closure of its roots, built once per set
        /// of roots (until an entry under it changes) and shared by every agent with those roots.
        mutating func authorization(for agentID: SPIFFEID) -> EntryAuthorization {
            let own = graph.children(of: agentID)
            var roots = graph.aliasIDs(of: agentID)
            for entry in own.values { roots.insert(entry.spiffeID) }
            if let closure = closures[roots] { return EntryAuthorization(own: own, closure: closure) }
            let (entries, reachable) = graph.authorization(from: roots)
            let closure = EntryClosure(entries: entries, reachable: reachable)
            closures[roots] = closure
            if closures.count > sweepAt {
                // Held only here: no stream, no caller (the new one is held by `closure`).
                for key in Array(closures.keys) where isKnownUniquelyReferenced(&closures[key]!) { closures[key] = nil }
                sweepAt = max(64, 2 * closures.count)
            }
            return EntryAuthorization(own: own, closure: closure)
        }
    }

    private let store: any (RegistrationEntryStore & AttestedNodeStore & ChangeLogStore)
    private let logger: Logger
    private let state: Mutex<State>
    private let pokes: AsyncStream<Void>
    private let pokeContinuation: AsyncStream<Void>.Continuation
    /// Told the IDs of nodes whose records changed, as the change log reports them.
    private let nodesChanged: @Sendable (Set<SPIFFEID>) -> Void
    /// Awaited when the change log reports a bundle change, before agents are told (a shared bundle is re-read).
    private let bundlesChanged: @Sendable () async -> Void

    init(
        serverID: SPIFFEID,
        store: any (RegistrationEntryStore & AttestedNodeStore & ChangeLogStore),
        logger: Logger,
        bundlesChanged: @escaping @Sendable () async -> Void = {},
        nodesChanged: @escaping @Sendable (Set<SPIFFEID>) -> Void = { _ in }
    ) {
        self.store = store
        self.logger = logger
        self.nodesChanged = nodesChanged
        self.bundlesChanged = bundlesChanged
        self.state = Mutex(State(graph: EntryGraph(serverID: serverID)))
        (pokes, pokeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Loads every entry and node, remembering the change-log position first so that nothing committed meanwhile is
    /// missed (events are applied idempotently). A ``BulkEntryLoading`` store (PostgreSQL) streams its entries in its
    /// own order, the database's work on the other core; otherwise the next ID-ordered page is read while the current
    /// one goes into the graph, so reading (SQLite, decoding) and indexing overlap on two cores.
    func load(batchSize: Int = 10_000) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let sequence = try await store.latestSequence()
        var graph = state.withLock { $0.graph }
        graph.reserveCapacity(try await store.countEntries(RegistrationEntryQuery()))
        let store = self.store
        let nodes: [AttestedNode]
        let readBy: String
        if let bulk = store as? any BulkEntryLoading {
            graph = try await Self.load(bulk, into: consume graph, batchSize: batchSize)
            nodes = try await bulk.allNodesFromPrimary()
            readBy = "bulk"
        } else {
            @Sendable func readPage(after token: String?) -> Task<Page<RegistrationEntry>, any Error> {
                Task { try await store.listEntries(RegistrationEntryQuery(), pagination: Pagination(token: token, size: batchSize)) }
            }
            var next: Task<Page<RegistrationEntry>, any Error>? = readPage(after: nil)
            while let reading = next.take() {
                var page = try await (consume reading).value
                // The finished task is let go, so that the page is the only holder of its entries, which are then
                // moved into the graph instead of copied.
                next = page.nextToken.map { readPage(after: $0) }
                while let entry = page.items.popLast() { graph.upsert(entry) }
            }
            nodes = try await store.listNodes(AttestedNodeQuery())
            readBy = "pages"
        }
        for node in nodes where !node.banned {
            graph.setNode(node.spiffeID, selectors: node.selectors)
        }
        let entryCount = graph.entries.count
        // Moved into the state, not copied: a copy left here would make the first change the catch-up applies copy
        // the whole graph (its slots alone are 136 MB at a million entries).
        var loaded: EntryGraph? = consume graph
        state.withLock {
            $0.graph = loaded.take()!
            $0.closures = [:]
            $0.sequence = sequence
        }
        logger.info("entry index loaded", metadata: [
            "entries": "\(entryCount)", "sequence": "\(sequence)", "read_by": "\(readBy)", "elapsed": "\(clock.now - started)",
        ])
        try await catchUp()
    }

    /// Reads `store`'s batches and indexes them on another task, so that decoding and indexing overlap on two cores;
    /// at most four batches wait to be indexed.
    private static func load(_ store: any BulkEntryLoading, into graph: consuming EntryGraph, batchSize: Int) async throws -> EntryGraph {
        let (batches, batchSink) = AsyncStream<[RegistrationEntry]>.makeStream()
        let (indexed, indexedSink) = AsyncStream<Void>.makeStream()
        let builder = Task { [graph] in
            // However the builder ends, the reader must not wait for an acknowledgement that never comes.
            defer { indexedSink.finish() }
            var graph = graph
            for await var batch in batches {
                while let entry = batch.popLast() { graph.upsert(entry) }
                indexedSink.yield()
            }
            return graph
        }
        do {
            var waiting = 0
            var acknowledgements = indexed.makeAsyncIterator()
            try await store.forEachEntryBatch(size: batchSize) { batch in
                batchSink.yield(batch)
                waiting += 1
                while waiting > 4, await acknowledgements.next() != nil { waiting -= 1 }
            }
        } catch {
            batchSink.finish()
            builder.cancel()
            _ = await builder.value
            throw error
        }
        batchSink.finish()
        return await builder.value
    }

    /// Tells the index that something was committed. Cheap and non-blocking.
    func poke() { pokeContinuation.yield() }

    /// Follows the change log until cancelled: wakes on every poke.
    func follow() async {
        for await _ in pokes {
            do {
                try await catchUp()
            } catch {
                logger.error("entry index could not read the change log", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Signalled when an entry with an `expiresAt` is created or changed: the pruner's next wake-up may be sooner.
    let expiringEntryChanged = WakeSignal()

    /// The earliest `expiresAt` among the indexed entries, for the pruner's next wake-up (one pass over the index).
    var earliestEntryExpiry: Date? {
        state.withLock { state in
            var earliest: Date?
            for entry in state.graph.entries.values {
                if let expiresAt = entry.expiresAt, expiresAt < (earliest ?? .distantFuture) { earliest = expiresAt }
            }
            return earliest
        }
    }

    /// The entries an agent is authorized for now.
    func authorizedEntries(for agentID: SPIFFEID) -> [String: RegistrationEntry] {
        state.withLock { $0.authorization(for: agentID).entries }
    }

    /// The entries among `ids` that the agent is authorized for, found without building its whole authorization.
    func authorizedEntries(ids: some Sequence<String>, for agentID: SPIFFEID) -> [String: RegistrationEntry] {
        state.withLock { state in
            var result: [String: RegistrationEntry] = [:]
            for id in ids {
                if let entry = state.graph.authorizedEntry(id: id, for: agentID) { result[id] = entry }
            }
            return result
        }
    }

    /// Starts a subscription: the current authorized entries, and a stream of deltas from then on. The stream
    /// ends when the caller stops iterating it.
    func subscribe(agentID: SPIFFEID) -> EntrySubscription {
        let (stream, continuation) = AsyncStream<EntryDelta>.makeStream(bufferingPolicy: .unbounded)
        let (snapshot, sequence, id) = state.withLock { state in
            let authorization = state.authorization(for: agentID)
            let id = state.nextID
            state.nextID += 1
            state.subscriptions[id] = Subscription(continuation: continuation, agentID: agentID, authorization: authorization)
            state.subscriptionsByAgent[agentID, default: []].append(id)
            return (authorization, state.sequence, id)
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.subscriptions[id] = nil
                state.subscriptionsByAgent[agentID]?.removeAll { $0 == id }
                if state.subscriptionsByAgent[agentID]?.isEmpty == true { state.subscriptionsByAgent[agentID] = nil }
            }
        }
        return EntrySubscription(snapshot: snapshot, sequence: sequence, deltas: stream, continuation: continuation)
    }

    /// The number of closures the index holds (for tests).
    var closureCount: Int { state.withLock { $0.closures.count } }

    /// The number of open subscriptions (for tests and health).
    var subscriptionCount: Int { state.withLock { $0.subscriptions.count } }

    /// The entries with at least one selector among `selectors` (a linear scan under the lock: for `debug explain`,
    /// not for a hot path).
    func entries(sharingAnyOf selectors: Set<String>) -> [RegistrationEntry] {
        state.withLock { state in
            state.graph.entries.values.filter { entry in entry.selectors.contains { selectors.contains("\($0.type):\($0.value)") } }
        }
    }

    /// The indexed entries and the open subscriptions (agents' sync streams), read together for the gauges.
    var sizes: (entries: Int, subscriptions: Int) { state.withLock { ($0.graph.entries.count, $0.subscriptions.count) } }

    private func catchUp() async throws {
        while true {
            let after = state.withLock { $0.sequence }
            let events = try await store.listEvents(after: after, limit: 1000)
            guard !events.isEmpty else { return }
            // One pass sorts the page; every entry it names is then read in one store call (not one per event).
            // Nodes change rarely and are read one by one.
            var entryIDs: Set<String> = []
            var nodeIDs: Set<SPIFFEID> = []
            var bundlesChanged = false
            for event in events {
                switch event.kind {
                case .entryCreated, .entryUpdated, .entryDeleted: entryIDs.insert(event.id)
                case .nodeCreated, .nodeUpdated, .nodeDeleted: if let id = try? SPIFFEID(event.id) { nodeIDs.insert(id) }
                case .bundleCreated, .bundleUpdated, .bundleDeleted: bundlesChanged = true
                default: break
                }
            }
            let current = try await store.fetchEntries(ids: entryIDs)
            // A deleted entry is an explicit nil: the index must drop it.
            let changedEntries = Dictionary(uniqueKeysWithValues: entryIDs.map { ($0, current[$0]) })
            var changedNodes: [SPIFFEID: AttestedNode?] = [:]
            if !nodeIDs.isEmpty { nodesChanged(nodeIDs) }
            for id in nodeIDs { changedNodes[id] = .some(try await store.fetchNode(spiffeID: id)) }
            if bundlesChanged { await self.bundlesChanged() }
            apply(entries: changedEntries, nodes: changedNodes, bundlesChanged: bundlesChanged, through: events.last!.seq)
        }
    }

    private func apply(entries: [String: RegistrationEntry?], nodes: [SPIFFEID: AttestedNode?], bundlesChanged: Bool, through sequence: UInt64) {
        if entries.values.contains(where: { $0?.expiresAt != nil }) { expiringEntryChanged.signal() }
        let deliveries: [(AsyncStream<EntryDelta>.Continuation, EntryDelta)] = state.withLock { state in
            guard sequence > state.sequence else { return [] }
            state.sequence = sequence
            var touched: [RegistrationEntry] = []
            for (id, entry) in entries {
                if let entry {
                    if let previous = state.graph.upsert(entry) { touched.append(previous) }
                    touched.append(entry)
                } else if let previous = state.graph.remove(id: id) {
                    touched.append(previous)
                }
            }
            // A closure changes only when an entry under one of the IDs it reaches changes (touched holds each
            // changed entry's previous version too, so moves out count). Others stay shared: a join-token
            // attestation creates an entry under the new agent's ID, which no closure reaches.
            if !touched.isEmpty {
                let parents = Set(touched.map(\.parentID))
                state.closures = state.closures.filter { $0.value.reachable.isDisjoint(with: parents) }
            }
            var touchedAgents: Set<SPIFFEID> = []
            var revokedAgents: Set<SPIFFEID> = []
            for (id, node) in nodes {
                if node == nil || node?.banned == true { revokedAgents.insert(id) }
                let selectors = node.flatMap { $0.banned ? nil : $0.selectors }
                state.graph.setNode(id, selectors: selectors)
                touchedAgents.insert(id)
            }
            // What the touched entries hang from: a subscription is concerned when one of these parents is reachable
            // from its agent, or when a touched alias matches its node selectors (inverted so that a page of many
            // changes costs a set intersection per subscription, not a scan per entry).
            var touchedParents: Set<SPIFFEID> = []
            var touchedAliases: [Set<Selector>] = []
            for entry in touched {
                if state.graph.isAlias(entry) { touchedAliases.append(Set(entry.selectors)) } else { touchedParents.insert(entry.parentID) }
            }
            // Only node changes (attestations, renewals): only those agents' subscriptions can be concerned.
            let keys = touched.isEmpty && !bundlesChanged
                ? touchedAgents.flatMap { state.subscriptionsByAgent[$0] ?? [] }
                : Array(state.subscriptions.keys)
            // Agents of one group go from the same closure to the same one: that difference is worked out once.
            var closureChanges: [ClosurePair: EntryChanges] = [:]
            var deliveries: [(AsyncStream<EntryDelta>.Continuation, EntryDelta)] = []
            for key in keys {
                guard let subscription = state.subscriptions[key] else { continue }
                if revokedAgents.contains(subscription.agentID) {
                    deliveries.append((subscription.continuation, EntryDelta(sequence: sequence, revoked: true)))
                    continue
                }
                let selectors = state.graph.nodeSelectors[subscription.agentID]
                let concerned = touchedAgents.contains(subscription.agentID)
                    || touchedParents.contains(subscription.agentID)
                    || subscription.authorization.reaches(anyOf: touchedParents)
                    || (selectors.map { nodeSelectors in touchedAliases.contains { $0.isSubset(of: nodeSelectors) } } ?? false)
                guard concerned else {
                    if bundlesChanged { deliveries.append((subscription.continuation, EntryDelta(sequence: sequence, bundlesChanged: true))) }
                    continue
                }
                let authorization = state.authorization(for: subscription.agentID)
                let previous = subscription.authorization
                let pair = ClosurePair(from: previous.closure, to: authorization.closure)
                let shared = closureChanges[pair] ?? authorization.closure.changes(since: previous.closure, touched: entries)
                closureChanges[pair] = shared
                let change = authorization.changes(since: previous, closureChanges: shared, touched: entries)
                state.subscriptions[key]?.authorization = authorization
                let delta = EntryDelta(upserted: change.upserted, deletedIDs: change.deletedIDs, sequence: sequence, bundlesChanged: bundlesChanged)
                if !delta.isEmpty { deliveries.append((subscription.continuation, delta)) }
            }
            return deliveries
        }
        for (continuation, delta) in deliveries { continuation.yield(delta) }
    }
}

/// A pair of closures agents move between, compared by identity. The key holds both, so neither can be freed and
/// its address reused while the key is in use.
private struct ClosurePair: Hashable {
    let from: EntryClosure
    let to: EntryClosure

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.from === rhs.from && lhs.to === rhs.to }

    func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(from))
        hasher.combine(ObjectIdentifier(to))
    }
}
