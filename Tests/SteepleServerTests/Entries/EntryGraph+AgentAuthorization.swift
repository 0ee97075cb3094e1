import SPIFFE
@testable import SteepleServer
import SteepleDatastore

extension EntryGraph {
    /// SPIRE's rule in one walk, as the tests' reference: the entries `agentID` is authorized for (not its aliases
    /// themselves), and every ID reachable from it (the agent, its aliases, and the SPIFFE IDs of its authorized
    /// entries). The server splits the same walk into the agent's own entries and a shared closure (``EntryIndex``).
    func authorization(for agentID: SPIFFEID) -> (entries: [String: RegistrationEntry], reachable: Set<SPIFFEID>) {
        var roots = aliasIDs(of: agentID)
        roots.insert(agentID)
        return authorization(from: roots)
    }
}
