import NIOCore
import Synchronization

/// The accepted connections whose peer has not sent a byte yet, with when each was accepted. ``AcceptGate`` closes
/// the ones silent longest when the listener is at its connection limit, so that a flood of idle connections cannot
/// keep real callers waiting in the backlog for the whole silent-connection timeout. Connections are added at accept
/// and removed when they speak or close, from their own event loops.
final class SilentConnections: Sendable {
    private let connections = Mutex<[ObjectIdentifier: (channel: any Channel, acceptedAt: NIODeadline)]>([:])

    init() {}

    func add(_ channel: any Channel, acceptedAt: NIODeadline = .now()) {
        connections.withLock { $0[ObjectIdentifier(channel)] = (channel, acceptedAt) }
    }

    func remove(_ channel: any Channel) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { connections.withLock { $0.count } }

    /// Removes and returns the connections accepted at or before `cutoff`.
    func takeSilent(acceptedBefore cutoff: NIODeadline) -> [any Channel] {
        connections.withLock { connections in
            let old = connections.filter { $0.value.acceptedAt <= cutoff }
            for key in old.keys { connections.removeValue(forKey: key) }
            return old.values.map(\.channel)
        }
    }
}
