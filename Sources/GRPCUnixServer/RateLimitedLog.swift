import Logging
import NIOCore
import Synchronization

/// Logs one kind of event at most once per interval, with how many were suppressed since: a flood of refused
/// connections or failed accepts must be visible without filling the disk.
final class RateLimitedLog: Sendable {
    private struct State {
        var lastLogged: NIODeadline?
        var suppressed = 0
    }

    private let interval: TimeAmount
    private let state = Mutex(State())

    init(interval: TimeAmount = .seconds(10)) {
        self.interval = interval
    }

    /// Calls `log` with the number of events suppressed since the last call that logged, or not at all.
    func event(_ log: (_ suppressed: Int) -> Void) {
        let now = NIODeadline.now()
        let suppressed: Int? = state.withLock { state in
            if let last = state.lastLogged, now - last < interval {
                state.suppressed += 1
                return nil
            }
            defer {
                state.lastLogged = now
                state.suppressed = 0
            }
            return state.suppressed
        }
        if let suppressed { log(suppressed) }
    }
}
