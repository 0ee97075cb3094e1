import SPIFFE
import SteepleDatastore

/// Everything reachable from a set of roots through parent IDs: what the agents whose node aliases, and whose own
/// entries' SPIFFE IDs, are those roots share. Never changed once built. Agents of one join-token group (each with
/// its own entry naming the group's ID) or of one node alias have the same roots, so ten thousand agents of a hundred
/// groups cost a hundred closures, in memory (each open sync stream keeps the authorization it was last sent, to tell
/// what changed) and in CPU (the index works a change out once per pair of closures, and a snapshot is encoded once
/// per closure, not once per agent).
final class EntryClosure: Sendable {
    /// The entries reached, by ID.
    let entries: [String: RegistrationEntry]
    /// The roots and the SPIFFE IDs of the entries reached: the parents an entry may have and be reached.
    let reachable: Set<SPIFFEID>

    init(entries: [String: RegistrationEntry], reachable: Set<SPIFFEID>) {
        self.entries = entries
        self.reachable = reachable
    }

    /// What an agent that was sent `old` must be sent to hold this closure: the entries at a revision it does not
    /// have, or among `touched` (re-sent even at the same revision), and the IDs of the entries it lost, sorted.
    func changes(since old: EntryClosure, touched: [String: RegistrationEntry?]) -> EntryChanges {
        if old === self { return EntryChanges() }
        var changes = EntryChanges()
        for (id, entry) in entries where old.entries[id]?.revisionNumber != entry.revisionNumber || touched[id] != nil {
            changes.upserted.append(entry)
        }
        changes.deletedIDs = old.entries.keys.filter { entries[$0] == nil }.sorted()
        return changes
    }
}

/// Entries to send, and entry IDs to delete.
struct EntryChanges: Sendable {
    var upserted: [RegistrationEntry] = []
    var deletedIDs: [String] = []
}

/// What one agent is authorized for at one moment, never changed once built: the entries parented to its own ID
/// (a join token's `-spiffeID` entry, say) and the closure of its aliases and of those entries' SPIFFE IDs, which it
/// shares with every agent of the same roots. As in SPIRE, alias entries themselves are not part of it.
final class EntryAuthorization: Sendable {
    /// The entries parented to the agent's ID, by ID.
    let own: [String: RegistrationEntry]
    let closure: EntryClosure

    init(own: [String: RegistrationEntry], closure: EntryClosure) {
        self.own = own
        self.closure = closure
    }

    /// The authorized entry `id`, if any.
    subscript(id: String) -> RegistrationEntry? { own[id] ?? closure.entries[id] }

    /// Every authorized entry by ID (built on each call when the agent has entries of its own).
    var entries: [String: RegistrationEntry] {
        own.isEmpty ? closure.entries : closure.entries.merging(own) { _, mine in mine }
    }

    /// The agent's own entries that its closure does not also reach (in a cycle through the agent's ID, it can).
    var ownOutsideClosure: [RegistrationEntry] { own.values.filter { closure.entries[$0.id] == nil } }

    /// Whether a change to entries parented to one of `parents` may concern the agent. The agent's own ID is not
    /// among ``EntryClosure/reachable`` (the closure is shared): callers check it themselves.
    func reaches(anyOf parents: Set<SPIFFEID>) -> Bool {
        !parents.isEmpty && !closure.reachable.isDisjoint(with: parents)
    }

    /// What an agent that was sent `old` must be sent to hold this, given `closureChanges`, the difference between
    /// the two closures (``EntryClosure/changes(since:touched:)``, worked out once per pair by the caller). An entry
    /// may be upserted at a revision the agent already has (it moved between its own entries and its closure);
    /// upserts are idempotent.
    func changes(since old: EntryAuthorization, closureChanges: EntryChanges, touched: [String: RegistrationEntry?]) -> EntryChanges {
        if old === self { return EntryChanges() }
        if own.isEmpty && old.own.isEmpty {
            return closureChanges
        }
        var changes = EntryChanges(upserted: closureChanges.upserted.filter { own[$0.id] == nil })
        for entry in own.values where old[entry.id]?.revisionNumber != entry.revisionNumber || touched[entry.id] != nil {
            changes.upserted.append(entry)
        }
        var deleted = Set(closureChanges.deletedIDs.filter { own[$0] == nil })
        for id in old.own.keys where self[id] == nil { deleted.insert(id) }
        changes.deletedIDs = deleted.sorted()
        return changes
    }
}
