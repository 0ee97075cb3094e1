import Synchronization

/// The unstructured tasks a client runs for its streams (watches and the shared fetch streams), so that
/// `close()` can stop them all at once.
final class TaskRegistry: Sendable {
    private struct State {
        var nextID = 0
        var tasks: [Int: Task<Void, Never>] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Whether ``closeAll()`` was called.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Starts `operation` in a task, or returns `nil` without starting it when the registry is closed.
    func spawn(_ operation: @escaping @Sendable () async -> Void) -> Int? {
        state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.tasks[id] = Task {
                await operation()
                self.forget(id)
            }
            return id
        }
    }

    /// Cancels the task `id`, if it still runs.
    func cancel(_ id: Int) {
        state.withLock { $0.tasks[id] }?.cancel()
    }

    /// Cancels every task and refuses new ones.
    func closeAll() {
        let tasks = state.withLock { state in
            state.closed = true
            defer { state.tasks = [:] }
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }

    private func forget(_ id: Int) {
        _ = state.withLock { $0.tasks.removeValue(forKey: id) }
    }
}
