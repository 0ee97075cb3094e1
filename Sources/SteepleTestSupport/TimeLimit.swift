import Synchronization

/// Thrown by ``withTimeLimit(_:_:_:)`` when the work did not finish in time.
package struct TimeLimitExceeded: Error, CustomStringConvertible {
    package let what: String
    package let limit: Duration
    package var description: String { "\(what) did not finish within \(limit) (abandoned, still running)" }
}

/// Runs `body` in a task of its own and returns its result, or throws ``TimeLimitExceeded`` once `limit` has passed.
///
/// Unlike a task group racing a sleep, this never waits for `body` after the limit: a group cancels its children but
/// then waits for them, so work stuck on a continuation that ignores cancellation (a grpc-swift client call whose
/// cancellation was missed, a child process that never exits) would still hang the test run. Here the late task is
/// cancelled and abandoned, and the test fails with `what` in its message.
package func withTimeLimit<Result: Sendable>(
    _ limit: Duration,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    let work = Task { try await body() }
    let race = Race<Result>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            race.pending.withLock { $0 = continuation }
            race.timer.withLock {
                $0 = Task {
                    try? await Task.sleep(for: limit)
                    guard !Task.isCancelled, let continuation = race.pending.withLock({ $0.take() }) else { return }
                    work.cancel()
                    continuation.resume(throwing: TimeLimitExceeded(what: what, limit: limit))
                }
            }
            Task {
                let result = await work.result
                race.timer.withLock { $0?.cancel() }
                race.pending.withLock { $0.take() }?.resume(with: result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}

/// Whichever of the work and the timer ends first resumes the caller; the other finds nothing left to resume.
private final class Race<Result: Sendable>: Sendable {
    let pending = Mutex<CheckedContinuation<Result, any Error>?>(nil)
    let timer = Mutex<Task<Void, Never>?>(nil)
}
