#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A datastore in memory: the fake for tests, and the reference semantics the conformance suite holds every
/// other store to. Nothing survives the process.
///
/// Each call runs on the actor without suspending, so each mutation is atomic, as a transaction would be.
package actor InMemoryDatastore {
    /// The clock for `createdAt` and `updatedAt`.
    let now: @Sendable () -> Date

    var entries: [String: RegistrationEntry] = [:]
    var entryIDsByUniquenessKey: [RegistrationEntry.UniquenessKey: String] = [:]
    var sortedEntryIDsCache: [String]?

    var nodes: [String: AttestedNode] = [:]
    var sortedNodeIDsCache: [String]?

    var joinTokens: [String: JoinToken] = [:]
    var bundles: [String: BundleRecord] = [:]
    var federationRelationships: [String: FederationRelationship] = [:]
    /// Each journal with the sequence number of its last write (what "latest" means).
    var caJournals: [String: (journal: CAJournal, seq: UInt64)] = [:]

    var events: [ChangeEvent] = []
    var lastSequence: UInt64 = 0

    /// Creates an empty store.
    ///
    /// - Parameter now: the clock for `createdAt` and `updatedAt`.
    package init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Appends a change event and returns its sequence number.
    func appendEvent(_ kind: ChangeEvent.Kind, _ id: String) -> UInt64 {
        lastSequence += 1
        events.append(ChangeEvent(seq: lastSequence, kind: kind, id: id))
        return lastSequence
    }

    /// Entry IDs sorted in key order, rebuilt after a change.
    func sortedEntryIDs() -> [String] {
        if let sortedEntryIDsCache { return sortedEntryIDsCache }
        let sorted = entries.keys.sorted(by: datastoreKeyPrecedes)
        sortedEntryIDsCache = sorted
        return sorted
    }

    /// Node SPIFFE IDs sorted in key order, rebuilt after a change.
    func sortedNodeIDs() -> [String] {
        if let sortedNodeIDsCache { return sortedNodeIDsCache }
        let sorted = nodes.keys.sorted(by: datastoreKeyPrecedes)
        sortedNodeIDsCache = sorted
        return sorted
    }
}
