/// What a ``HealthListener`` asks on each request: the server's and the agent's own views of their health.
package protocol HealthReporter: Sendable {
    /// The process is up and its main work is going on; answered with 200, or 500 when not healthy.
    func liveness() async -> HealthState
    /// The process can do what it is for (the server: sign; the agent: serve SVIDs); 200, or 500 when not healthy.
    func readiness() async -> HealthState
}
