import GRPCCore
import NIOCore
import Synchronization

/// The mutable part of a ``UnixServerTransport`` (a struct whose copies share this object).
final class TransportState: Sendable {
    enum Phase {
        case idle
        case starting
        case listening(any Channel)
        case stopped
    }

    struct Inner {
        var phase = Phase.idle
        var shutdownRequested = false
        var connections: [ObjectIdentifier: ConnectionLifecycle] = [:]
        var listeningWaiters: [CheckedContinuation<Void, any Error>] = []
        var descriptorsByPath: [String: MethodDescriptor] = [:]
    }

    let inner = Mutex(Inner())

    /// Wakes everyone waiting for the transport to listen: successfully, or with `error`.
    func resumeWaiters(throwing error: (any Error)?) {
        let waiters = inner.withLock { inner in
            defer { inner.listeningWaiters = [] }
            return inner.listeningWaiters
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }
}
