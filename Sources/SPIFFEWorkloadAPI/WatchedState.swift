import Logging
import Synchronization

/// The engine of ``X509Source`` and ``JWTSource``: keeps the latest value of a Workload API watch, reopens the
/// watch with backoff when it fails, and hands updates to subscribers.
final class WatchedState<Value: Sendable>: Sendable {
    private struct State {
        var latest: Value?
        var lastError: WorkloadAPIError?
        var subscribers: [Int: AsyncStream<Value>.Continuation] = [:]
        var readyWaiters: [Int: CheckedContinuation<Value, any Error>] = [:]
        var nextID = 0
        var finished = false
    }

    private let state = Mutex(State())
    let name: String
    let backoff: WorkloadAPIBackoff
    let logger: Logger

    init(name: String, backoff: WorkloadAPIBackoff, logger: Logger) {
        self.name = name
        self.backoff = backoff
        self.logger = logger
    }

    var latest: Value? { state.withLock { $0.latest } }
    var lastError: WorkloadAPIError? { state.withLock { $0.lastError } }

    /// Watches until the task is cancelled or the client closes, reopening failed watches with backoff.
    func run(_ makeWatch: @Sendable () -> WorkloadAPIWatch<Value>) async {
        var attempt = 0
        while !Task.isCancelled {
            do {
                for try await value in makeWatch() {
                    attempt = 0
                    publish(value)
                }
            } catch {
                let error = WorkloadAPIError.mapping(error, call: name)
                if error.code == .clientClosed { break }
                state.withLock { $0.lastError = error }
                logger.warning(
                    "workload API watch failed; retrying",
                    metadata: ["source": "\(name)", "error": "\(error)", "attempt": "\(attempt)"]
                )
            }
            let delay = backoff.delay(attempt: attempt)
            attempt += 1
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
        }
        finish()
    }

    /// A new subscription: the latest value at once when there is one, then every update, newest only.
    func updates() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int? in
            guard !state.finished else { return nil }
            defer { state.nextID += 1 }
            state.subscribers[state.nextID] = continuation
            if let latest = state.latest { continuation.yield(latest) }
            return state.nextID
        }
        if let id {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
        } else {
            continuation.finish()
        }
        return stream
    }

    /// The latest value, waiting for the first one when there is none yet.
    func ready() async throws -> Value {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = state.withLock { state -> Result<Value, any Error>? in
                    if let latest = state.latest { return .success(latest) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.finished { return .failure(Self.stopped(name)) }
                    state.readyWaiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            state.withLock { $0.readyWaiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    private func publish(_ value: Value) {
        let (subscribers, waiters) = state.withLock { state in
            state.latest = value
            state.lastError = nil
            defer { state.readyWaiters = [:] }
            return (Array(state.subscribers.values), Array(state.readyWaiters.values))
        }
        for subscriber in subscribers { subscriber.yield(value) }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    private func finish() {
        let (subscribers, waiters) = state.withLock { state in
            state.finished = true
            defer {
                state.subscribers = [:]
                state.readyWaiters = [:]
            }
            return (Array(state.subscribers.values), Array(state.readyWaiters.values))
        }
        for subscriber in subscribers { subscriber.finish() }
        for waiter in waiters { waiter.resume(throwing: Self.stopped(name)) }
    }

    private static func stopped(_ name: String) -> WorkloadAPIError {
        WorkloadAPIError(code: .clientClosed, message: "the \(name) stopped before its first update")
    }
}
