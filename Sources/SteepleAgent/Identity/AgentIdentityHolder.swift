import Synchronization

/// The agent's current SVID, replaced on renewal and re-attestation.
final class AgentIdentityHolder: Sendable {
    private let identity: Mutex<AgentIdentity>

    init(_ identity: AgentIdentity) {
        self.identity = Mutex(identity)
    }

    var current: AgentIdentity { identity.withLock { $0 } }

    func replace(with new: AgentIdentity) {
        identity.withLock { $0 = new }
    }
}
