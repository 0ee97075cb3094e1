/// The agent's wait between attempts to reach the server: exponential from 100 ms, capped at ``ceiling``, each
/// wait drawn at random from its upper half ("equal jitter"), so a fleet of agents does not reconnect in step after
/// a server restart, and every agent tries again within ``ceiling`` of the server being back.
struct ReconnectBackoff: Sendable {
    static let floor = Duration.milliseconds(100)
    /// Small on purpose: a refused TCP connect costs the server nothing, and the time to resync after a restart is
    /// bounded by it (SPIRE's agent waits up to 30 s and more).
    static let ceiling = Duration.milliseconds(1_500)

    private var current = floor

    mutating func reset() {
        current = Self.floor
    }

    /// The next wait, then doubles the base (up to the ceiling).
    mutating func next() -> Duration {
        let base = current
        current = min(current * 2, Self.ceiling)
        let half = base / 2
        let nanos = Int64(half.components.seconds) * 1_000_000_000 + half.components.attoseconds / 1_000_000_000
        return half + .nanoseconds(Int64.random(in: 0...max(0, nanos)))
    }
}
