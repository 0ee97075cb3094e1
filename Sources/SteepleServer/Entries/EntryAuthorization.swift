import SPIFFE
import SteepleDatastore

/// What one agent is authorized for at one moment, never changed afterwards. Agents matched by the same node aliases
/// and with no entry parented to their own IDs are authorized for exactly the same entries, so they share one
/// instance (``isShared``): ten thousand agents of a hundred aliases cost a hundred authorizations, in memory (each
/// open sync stream keeps the one it was last sent, to tell what changed) and in CPU (the index works a change out
/// once per alias set, and a snapshot is encoded once per alias set, not once per agent).
final class EntryAuthorization: Sendable {
    /// The authorized entries by ID, at the revisions the agent holds once it has been sent this authorization.
    let entries: [String: RegistrationEntry]
    /// The IDs an entry may be parented to and be authorized: the roots the walk started from (the aliases, and the
    /// agent itself unless shared) and the SPIFFE IDs of the authorized entries.
    let reachable: Set<SPIFFEID>
    /// Stands for every agent of its alias set; not derived from any one agent's ID.
    let isShared: Bool

    init(entries: [String: RegistrationEntry], reachable: Set<SPIFFEID>, isShared: Bool) {
        self.entries = entries
        self.reachable = reachable
        self.isShared = isShared
    }

    /// Whether a change to entries parented to one of `parents` may concern an agent holding this authorization.
    func reaches(anyOf parents: Set<SPIFFEID>) -> Bool {
        !parents.isEmpty && !reachable.isDisjoint(with: parents)
    }

    /// What an agent that holds `old` must be sent to hold this: the entries at a revision it does not have, or
    /// among `touched` (re-sent even at the same revision), and the IDs of the entries it lost, sorted.
    func changes(since old: EntryAuthorization, touched: [String: RegistrationEntry?]) -> (upserted: [RegistrationEntry], deletedIDs: [String]) {
        if old === self { return ([], []) }
        var upserted: [RegistrationEntry] = []
        for (id, entry) in entries where old.entries[id]?.revisionNumber != entry.revisionNumber || touched[id] != nil {
            upserted.append(entry)
        }
        let deletedIDs = old.entries.keys.filter { entries[$0] == nil }.sorted()
        return (upserted, deletedIDs)
    }
}
