import GRPCCore
import SteepleSupport
import Synchronization

/// The agent API client of the current connection to the server, shared by the sync stream, the SVID rotator and
/// JWT-SVID minting. Absent while the agent is (re)connecting; callers wait for it, up to a deadline.
final class ServerSession: Sendable {
    private let current = Mutex<ServerConnection.Client?>(nil)
    private let changed = ChangeBroadcaster()
    /// Wakes the server link to drop its connection and make a new one (the issuance watchdog's remedy).
    let reconnectRequests = ChangeBroadcaster()

    func requestReconnect() {
        reconnectRequests.notify()
    }

    func set(_ client: ServerConnection.Client?) {
        current.withLock { $0 = client }
        changed.notify()
    }

    var client: ServerConnection.Client? { current.withLock { $0 } }

    /// The client once connected; throws `unavailable` when no connection comes up within `timeout`.
    func waitForClient(timeout: Duration) async throws -> ServerConnection.Client {
        if let client { return client }
        let signal = changed.subscribe()
        defer { changed.unsubscribe(signal) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let client { return client }
            await signal.wait(timeout: deadline - ContinuousClock.now)
            try Task.checkCancellation()
        }
        if let client { return client }
        throw RPCError(code: .unavailable, message: "the agent is not connected to the server (it keeps retrying in the background)")
    }
}
