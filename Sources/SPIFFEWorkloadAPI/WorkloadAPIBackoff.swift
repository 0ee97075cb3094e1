/// How long a source waits before reopening a failed Workload API stream: exponential, capped, reset by every
/// good update (py-spiffe waits 0.1 s × 2ⁿ up to 5 s; SPEC §7.4).
public struct WorkloadAPIBackoff: Sendable, Hashable {
    /// The wait after the first failure.
    public var initial: Duration
    /// The longest wait.
    public var maximum: Duration
    /// The factor between consecutive waits.
    public var multiplier: Int

    /// Creates a backoff; the defaults are py-spiffe's.
    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5), multiplier: Int = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = max(1, multiplier)
    }

    /// The wait before attempt `attempt` (0 for the first retry).
    func delay(attempt: Int) -> Duration {
        var delay = initial
        for _ in 0..<min(attempt, 32) {
            delay = delay * multiplier
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}
