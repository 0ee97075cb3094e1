/// Thrown when a test step takes longer than its timeout.
struct TimedOut: Error, CustomStringConvertible {
    let seconds: Int
    var description: String { "timed out after \(seconds) s" }
}

/// Runs `body`, failing with ``TimedOut`` after `seconds` so that a broken handshake fails the test instead of
/// hanging it.
func withTimeout<Result: Sendable>(
    seconds: Int = 60,
    _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut(seconds: seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
