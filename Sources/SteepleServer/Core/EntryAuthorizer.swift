import SPIFFE
import SteepleDatastore

/// What an agent may have: its authorized entries now, and a stream of every change to them (``EntryIndex``).
protocol EntryAuthorizer: Sendable {
    func authorizedEntries(for agentID: SPIFFEID) -> [String: RegistrationEntry]
    func authorizedEntries(ids: some Sequence<String>, for agentID: SPIFFEID) -> [String: RegistrationEntry]
    func subscribe(agentID: SPIFFEID) -> EntrySubscription
}

/// Told after every committed change, so that agents hear of it at once (``EntryIndex`` reads the change log).
protocol ChangeNotifier: Sendable {
    func poke()
}

extension EntryIndex: EntryAuthorizer, ChangeNotifier {}
