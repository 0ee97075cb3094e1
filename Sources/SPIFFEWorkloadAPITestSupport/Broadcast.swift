package import GRPCCore
import Synchronization

/// The current state of one fake stream RPC, pushed to every open stream when it changes.
package final class Broadcast<Message: Sendable>: Sendable {
    package typealias Event = Result<Message, RPCError>

    private struct State {
        var current: Event?
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextID = 0
        var opened = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// How many streams were opened so far.
    package var openedCount: Int { state.withLock { $0.opened } }

    /// How many streams are open now.
    package var openCount: Int { state.withLock { $0.subscribers.count } }

    /// Sets the state; open streams send it at once (a failure ends them with that status).
    package func set(_ event: Event) {
        let subscribers = state.withLock { state in
            state.current = event
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// Serves one stream: the current state at once, then every change, until the client cancels.
    package func serve(_ writer: RPCWriter<Message>) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self)
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.opened += 1
            state.subscribers[state.nextID] = continuation
            if let current = state.current { continuation.yield(current) }
            return state.nextID
        }
        defer { _ = state.withLock { $0.subscribers.removeValue(forKey: id) } }
        try await withRPCCancellationHandler {
            for await event in stream {
                try await writer.write(try event.get())
            }
        } onCancelRPC: {
            continuation.finish()
        }
    }
}
