import SPIFFE
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
        /// Entry IDs per selector, to find a caller's candidates without scanning every entry.
        var entriesBySelector: [String: Set<String>] = [:]
        var svids: [String: IssuedX509SVID] = [:]
        /// Entries whose X509-SVID the server refused (deleted meanwhile, not authorized, a record it cannot use): left
        /// out of responses instead of holding every caller's stream back, and retried by the rotator after `until`.
        var refused: [String: IssuanceRefusal] = [:]
        var bundle: SPIFFEBundle?
        /// The bundle's X.509 authorities as concatenated DER, made once per bundle: every X509-SVID of every
        /// response carries it.
        var bundleX509DER = Data()
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
    }

    let trustDomain: TrustDomain
    private let state = Mutex(State())
    /// When the last message of the server's entry stream was applied (the Debug API's `last_sync_success`).
    private let lastSync = Mutex<Date?>(nil)
    /// Wakes Workload API streams (and the rotator) after every change.
    let changes = ChangeBroadcaster()
    /// Wakes the rotator when entries change, so new or changed entries get SVIDs at once.
    let entryChanges = ChangeBroadcaster()

    init(trustDomain: TrustDomain) {
        self.trustDomain = trustDomain
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
            state.version += 1
        }
        changes.notify()
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

    /// Records that a workload asks for the X509-SVIDs of `entries`: those without prefetch that were not asked for
    /// before are handed to the rotator, which issues them at once (the caller's stream waits for them as for any
    /// missing SVID).
    func demandX509SVIDs(of entries: [AgentEntry]) {
        let onDemand = entries.filter(\.disableX509SVIDPrefetch)
        guard !onDemand.isEmpty else { return }
        let added = state.withLock { state in
            var added = false
            for entry in onDemand where state.demanded.insert(entry.id).inserted { added = true }
            return added
        }
        if added { entryChanges.notify() }
    }

    /// The entries whose selectors are all among `selectors`, in response order.
    func matchingEntries(for selectors: Set<String>) -> [AgentEntry] {
        state.withLock { state in
            var candidates = Set<String>()
            for selector in selectors {
                if let ids = state.entriesBySelector[selector] { candidates.formUnion(ids) }
            }
            return candidates.compactMap { state.entries[$0] }
                .filter { $0.selectors.isSubset(of: selectors) }
                .sorted(by: AgentEntry.responseOrder)
        }
    }

    private static func insert(_ entry: AgentEntry, into state: inout State) {
        state.entries[entry.id] = entry
        for selector in entry.selectors { state.entriesBySelector[selector, default: []].insert(entry.id) }
    }

    private static func remove(_ id: String, from state: inout State) {
        guard let old = state.entries.removeValue(forKey: id) else { return }
        for selector in old.selectors {
            state.entriesBySelector[selector]?.remove(id)
            if state.entriesBySelector[selector]?.isEmpty == true { state.entriesBySelector[selector] = nil }
        }
    }
}
