import Synchronization

/// One long-lived server stream whose latest message answers every fetch of one kind on one client.
///
/// Why: a fetch that opens a stream, reads one message and cancels costs the server one `RST_STREAM`, and
/// swift-nio-http2 (so any Swift server, and SPIRE behind similar guards) drops a connection after 200 of them in
/// 30 s (SWIFT-NOTES §6.2). Every Workload API stream message is the complete current state and the server pushes
/// each change (SPEC §6.5), so the latest message of a stream that stays open is exactly what a new call would
/// return. The first fetch opens the stream; later fetches return its latest message without a round trip; the
/// stream is reset once, when the client closes. When the stream ends (server error, connection lost), waiting
/// fetches get the error and the next fetch opens a new stream.
final class SharedStream<Value: Sendable>: Sendable {
    /// Runs the stream, handing each parsed message to `deliver`, and returns the error that ended it.
    typealias Runner = @Sendable (_ deliver: @escaping @Sendable (Result<Value, WorkloadAPIError>) -> Void) async -> WorkloadAPIError

    private enum Phase {
        case idle
        case opening
        case open(Result<Value, WorkloadAPIError>)
    }

    private struct State {
        var phase = Phase.idle
        var waiters: [Int: CheckedContinuation<Value, any Error>] = [:]
        var nextWaiterID = 0
    }

    private let state = Mutex(State())
    private let tasks: TaskRegistry
    private let runner: Runner

    init(tasks: TaskRegistry, runner: @escaping Runner) {
        self.tasks = tasks
        self.runner = runner
    }

    /// The latest message of the stream, opening it (and waiting for its first message) when it is not open.
    func latest() async throws(WorkloadAPIError) -> Value {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    enqueue(id: id, continuation)
                }
            } onCancel: {
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(throwing: WorkloadAPIError(code: .cancelled, message: "fetch was cancelled"))
            }
        } catch let error as WorkloadAPIError {
            throw error
        } catch {
            throw WorkloadAPIError.mapping(error, call: "fetch")
        }
    }

    private enum Action {
        case none
        case resume(Result<Value, WorkloadAPIError>)
        case start
    }

    private func enqueue(id: Int, _ continuation: CheckedContinuation<Value, any Error>) {
        let action = state.withLock { state -> Action in
            if Task.isCancelled {
                return .resume(.failure(WorkloadAPIError(code: .cancelled, message: "fetch was cancelled")))
            }
            if tasks.isClosed {
                return .resume(.failure(WorkloadAPIError(code: .clientClosed, message: "the client is closed")))
            }
            switch state.phase {
            case .open(let result):
                return .resume(result)
            case .opening:
                state.waiters[id] = continuation
                return .none
            case .idle:
                state.waiters[id] = continuation
                state.phase = .opening
                return .start
            }
        }
        switch action {
        case .none:
            break
        case .resume(let result):
            continuation.resume(with: result.mapError { $0 as any Error })
        case .start:
            let started = tasks.spawn { [self] in
                let end = await runner { result in self.deliver(result) }
                self.ended(end)
            }
            if started == nil {
                ended(WorkloadAPIError(code: .clientClosed, message: "the client is closed"))
            }
        }
    }

    private func deliver(_ result: Result<Value, WorkloadAPIError>) {
        let waiters = state.withLock { state in
            state.phase = .open(result)
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
    }

    private func ended(_ error: WorkloadAPIError) {
        let closed = tasks.isClosed
        let waiters = state.withLock { state in
            state.phase = .idle
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        let error = closed ? WorkloadAPIError(code: .clientClosed, message: "the client is closed") : error
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
