import Synchronization

/// The requests of one bidirectional stream, read by a separate task and handed to the stream's loop, which also
/// waits for cache changes: the reader queues each request and wakes the loop.
final class RequestInbox<Request: Sendable>: Sendable {
    private struct State {
        var queue: [Request] = []
        var ended = false
    }
    private let state = Mutex(State())

    func push(_ request: Request) {
        state.withLock { $0.queue.append(request) }
    }

    /// The client closed its side, failed or went away.
    func finish() {
        state.withLock { $0.ended = true }
    }

    /// The requests queued since the last call, and whether the client's side has ended.
    func drain() -> (requests: [Request], ended: Bool) {
        state.withLock { state in
            defer { state.queue = [] }
            return (state.queue, state.ended)
        }
    }
}
