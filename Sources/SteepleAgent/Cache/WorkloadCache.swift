import SPIFFE
import SteepleSupport
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the agent knows and serves: the authorized entries (as pushed by the server), the X509-SVIDs issued
/// for them, the trust domain's bundle and the federated bundles. Writers are the sync stream and the SVID rotator;
/// readers are the Workload API handlers, which subscribe to ``changes`` and re-read on every wake-up.
final class WorkloadCache: Sendable {
    struct State: Sendable {
        var entries: [String: AgentEntry] = [:]
        /// Entry IDs per selector, to find a caller's candidates without scanning every entry (most selectors belong
        /// to one entry, so one ID is kept inline).
        var entriesBySelector: [String: InlineSet<String>] = [:]
        var svids: [String: IssuedX509SVID] = [:]
        /// Entries whose X509-SVID the server refused (deleted meanwhile, not authorized, a record it cannot use): left
        /// out of responses instead of holding every caller's stream back, and retried by the rotator after `until`.
        var refused: [String: IssuanceRefusal] = [:]
        var bundle: SPIFFEBundle?
        /// The bundle's X.509 authorities as concatenated DER, made once per bundle: every X509-SVID of every
        /// response carries it.
        var bundleX509DER = Data()
        /// Each of the bundle's X.509 authorities as DER: the rotator looks the issuer each SVID remembers up here.
        var bundleAuthorityDER: Set<[UInt8]> = []
        var federatedBundles: [TrustDomain: SPIFFEBundle] = [:]
        /// The subject key ID of the server's signing X.509 authority, as the server last said; SVIDs of other issuers
        /// are re-issued at once.
        var activeX509KeyID: [UInt8]?
        /// Entries with `disable_x509_svid_prefetch` whose X509-SVID a workload has asked for: the rotator issues and
        /// rotates these; the other such entries get none until asked.
        var demanded: Set<String> = []
        /// True once a complete snapshot arrived (from the server, or restored): until then the cache may be partial.
        var synced = false
        var version: UInt64 = 0
        /// `x509_svid_cache_max_size`: the most workload X509-SVIDs kept (nil: no bound). A soft limit, as SPIRE's:
        /// SVIDs that open streams hold stay.
        var x509SVIDLimit: Int?
        /// When each entry's SVID was last served (a tick of ``useClock``): eviction drops the least recently used.
        var lastUsed: [String: UInt64] = [:]
        var useClock: UInt64 = 0
        /// The selectors of every open stream (Workload API, SDS, Delegated Identity), by hold: the entries they match
        /// are never evicted.
        var holds: [UInt64: Set<String>] = [:]
        var nextHold: UInt64 = 0
        /// How many SVIDs were evicted so far (telemetry and tests).
        var evictions = 0

        /// Whether the cache keeps fewer SVIDs than it has entries: then only entries a workload asked for, those
        /// already cached, and as many others as fit get SVIDs.
        var isBounded: Bool { x509SVIDLimit.map { entries.count > $0 } ?? false }
    }

    let trustDomain: TrustDomain
    private let state: Mutex<State>
    /// When the last message of the server's entry stream was applied (the Debug API's `last_sync_success`).
    private let lastSync = Mutex<Date?>(nil)
    /// Wakes Workload API streams (and the rotator) after every change.
    let changes = ChangeBroadcaster()
    /// Wakes the rotator when entries change, so new or changed entries get SVIDs at once.
    let entryChanges = ChangeBroadcaster()

    init(trustDomain: TrustDomain, x509SVIDLimit: Int? = nil) {
        self.trustDomain = trustDomain
        var initial = State()
        initial.x509SVIDLimit = x509SVIDLimit
        self.state = Mutex(initial)
    }

    func read<T, Failure: Error>(_ body: (borrowing State) throws(Failure) -> T) throws(Failure) -> T {
        try state.withLock { (state: inout State) throws(Failure) -> T in try body(state) }
    }

    // MARK: Writes from the sync stream

    /// Replaces the entries with a complete snapshot; SVIDs of entries that are gone are dropped.
    func replaceEntries(_ entries: [AgentEntry]) {
        state.withLock { state in
            state.entries = [:]
            state.entriesBySelector = [:]
            for entry in entries { Self.insert(entry, into: &state) }
            state.svids = state.svids.filter { state.entries[$0.key] != nil }
            state.demanded = state.demanded.filter { state.entries[$0] != nil }
            state.lastUsed = state.lastUsed.filter { state.entries[$0.key] != nil }
            state.refused = [:]
            state.synced = true
            state.version += 1
        }
        entryChanges.notify()
        changes.notify()
    }

    func apply(upserted: [AgentEntry], deleted: [String]) {
        guard !upserted.isEmpty || !deleted.isEmpty else { return }
        state.withLock { state in
            for id in deleted {
                Self.remove(id, from: &state)
                state.svids[id] = nil
                state.refused[id] = nil
                state.demanded.remove(id)
                state.lastUsed[id] = nil
            }
            for entry in upserted {
                state.refused[entry.id] = nil
                Self.remove(entry.id, from: &state)
                Self.insert(entry, into: &state)
            }
            state.version += 1
        }
        entryChanges.notify()
        changes.notify()
    }

    func setBundles(_ bundle: SPIFFEBundle?, federated: [SPIFFEBundle]?, activeX509KeyID: [UInt8]? = nil) {
        state.withLock { state in
            if let bundle {
                state.bundle = bundle
                state.bundleX509DER = Data(bundle.x509Bundle.derRepresentation)
                state.bundleAuthorityDER = Set(bundle.x509Bundle.x509Authorities.map(\.spiffeDERBytes))
            }
            if let activeX509KeyID, !activeX509KeyID.isEmpty { state.activeX509KeyID = activeX509KeyID }
            if let federated {
                state.federatedBundles = Dictionary(federated.map { ($0.trustDomain, $0) }, uniquingKeysWith: { $1 })
            }
            state.version += 1
        }
        entryChanges.notify()
        changes.notify()
    }

    /// Records that a message of the server's entry stream was applied.
    func recordSync(at time: Date) {
        lastSync.withLock { $0 = time }
    }

    var lastSyncSuccess: Date? { lastSync.withLock { $0 } }

    // MARK: Writes from the rotator

    func store(_ issued: [IssuedX509SVID]) {
        guard !issued.isEmpty else { return }
        state.withLock { state in
            for svid in issued where state.entries[svid.entryID]?.x509Shape == svid.shape {
                state.svids[svid.entryID] = svid
                state.refused[svid.entryID] = nil
            }
            Self.evictOverLimit(&state)
            state.version += 1
        }
        changes.notify()
    }

    /// Drops the least recently used SVIDs that no open stream holds until at most the limit remain; their entries
    /// are no longer demanded, so they are issued again only when a workload asks.
    private static func evictOverLimit(_ state: inout State) {
        guard let limit = state.x509SVIDLimit, state.svids.count > limit else { return }
        var held = Set<String>()
        for selectors in state.holds.values {
            for selector in selectors {
                for id in state.entriesBySelector[selector] ?? InlineSet() where state.entries[id]?.matches(selectors) == true {
                    held.insert(id)
                }
            }
        }
        let candidates = state.svids.keys.filter { !held.contains($0) }
            .sorted { (state.lastUsed[$0] ?? 0, $0) < (state.lastUsed[$1] ?? 0, $1) }
        for id in candidates.prefix(state.svids.count - limit) {
            state.svids[id] = nil
            state.demanded.remove(id)
            state.evictions += 1
        }
    }

    /// Records the server's refusals (entry ID → reason), until `until`.
    func refuse(_ reasons: [String: String], until: Date) {
        guard !reasons.isEmpty else { return }
        state.withLock { state in
            for (id, reason) in reasons where state.entries[id] != nil {
                state.refused[id] = IssuanceRefusal(reason: reason, until: until)
            }
            state.version += 1
        }
        changes.notify()
    }

    /// Drops everything issued and known: the agent was banned or evicted and must not serve any of it.
    func revokeAll() {
        state.withLock { state in
            state.entries = [:]
            state.entriesBySelector = [:]
            state.svids = [:]
            state.refused = [:]
            state.demanded = []
            state.synced = false
            state.version += 1
        }
        entryChanges.notify()
        changes.notify()
    }

    // MARK: Reads for workloads

    /// Records that a workload asks for the X509-SVIDs of `entries` (now their most recent use): those the rotator
    /// does not issue by itself (no prefetch, or beyond a bounded cache) and that were not asked for before are handed
    /// to it, which issues them at once (the caller's stream waits for them as for any missing SVID).
    func demandX509SVIDs(of entries: [AgentEntry]) {
        guard !entries.isEmpty else { return }
        let added = state.withLock { state in
            state.useClock += 1
            var added = false
            for entry in entries {
                state.lastUsed[entry.id] = state.useClock
                guard entry.disableX509SVIDPrefetch || (state.x509SVIDLimit != nil && state.svids[entry.id] == nil) else { continue }
                if state.demanded.insert(entry.id).inserted { added = true }
            }
            return added
        }
        if added { entryChanges.notify() }
    }

    /// Marks the entries `selectors` match as held by an open stream until ``release(_:)``: a bounded cache never
    /// evicts their SVIDs.
    func hold(_ selectors: Set<String>) -> UInt64 {
        state.withLock { state in
            state.nextHold += 1
            state.holds[state.nextHold] = selectors
            return state.nextHold
        }
    }

    func release(_ hold: UInt64) {
        let evicted = state.withLock { state in
            state.holds[hold] = nil
            let before = state.svids.count
            Self.evictOverLimit(&state)
            if state.svids.count != before { state.version += 1 }
            return state.svids.count != before
        }
        if evicted { changes.notify() }
    }

    /// The entries whose selectors are all among `selectors`, in response order.
    func matchingEntries(for selectors: Set<String>) -> [AgentEntry] {
        state.withLock { state in
            var candidates = Set<String>()
            for selector in selectors {
                if let ids = state.entriesBySelector[selector] { candidates.formUnion(ids) }
            }
            return candidates.compactMap { state.entries[$0] }
                .filter { $0.matches(selectors) }
                .sorted(by: AgentEntry.responseOrder)
        }
    }

    private static func insert(_ entry: AgentEntry, into state: inout State) {
        state.entries[entry.id] = entry
        for selector in entry.selectors { state.entriesBySelector[selector, default: InlineSet()].insert(entry.id) }
    }

    private static func remove(_ id: String, from state: inout State) {
        guard let old = state.entries.removeValue(forKey: id) else { return }
        for selector in old.selectors {
            state.entriesBySelector[selector]?.remove(id)
            if state.entriesBySelector[selector]?.isEmpty == true { state.entriesBySelector[selector] = nil }
        }
    }
}
