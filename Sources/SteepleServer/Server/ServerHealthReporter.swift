import SteepleServerAPIProto
import SteepleTelemetry

/// The server's answers to its health listener (`health_checks`): live while the process answers; ready when the
/// datastore answers and the CA can sign (``Health``), with each part's `ok` or why not.
struct ServerHealthReporter: HealthReporter {
    let core: ServerCore

    func liveness() async -> HealthState {
        HealthState(healthy: true)
    }

    func readiness() async -> HealthState {
        let health = await Health.check(bundles: core.store, authority: core.ca, now: core.now)
        return HealthState(healthy: health.ready, details: [.init("datastore", health.datastore), .init("ca", health.ca)])
    }
}
