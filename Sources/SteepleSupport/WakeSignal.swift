import Synchronization

/// A one-slot wake-up for one waiter: ``signal()`` wakes it now or, if it is not waiting, at its next ``wait(timeout:)``.
/// Bursts of signals collapse into one wake-up. ``close()`` ends every wait for good (the subscriber went away).
package final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var closed = false
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextID = 0
    }

    private let state = Mutex(State())

    package init() {}

    package func signal() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.pending = true
            return nil
        }
        continuation?.resume()
    }

    package func close() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        continuation?.resume()
    }

    package var isClosed: Bool { state.withLock { $0.closed } }

    /// Waits for a signal, the timeout, task cancellation or ``close()``.
    /// - Returns: false once the signal is closed.
    @discardableResult
    package func wait(timeout: Duration? = nil) async -> Bool {
        if state.withLock({ state in
            let ready = state.pending || state.closed
            state.pending = false
            return ready
        }) {
            return !isClosed
        }
        guard let timeout else {
            await waitForSignal()
            return !isClosed
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return !isClosed
    }

    private func waitForSignal() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || state.closed || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
                guard let waiter = state.waiter, waiter.id == id else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            continuation?.resume()
        }
    }
}
