import SteepleTelemetry
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent's answers to its health listener (`health_checks`), from ``AgentHealth`` and the cache:
///
/// - live (200) from start, through attestation, while the agent serves; not live (500) once it shuts down;
/// - ready (200) when the agent can serve the Workload API: it holds a valid SVID of its own, is neither banned nor
///   evicted, issuance is not stuck (``AgentHealth/unhealthyReason(now:)``), and it has received its entries from the
///   server since it started. Losing the server afterwards does not make it unready: it keeps serving what it holds,
///   and `agent` says so when its own SVID runs out.
///
/// Each answer names the parts checked: `{"ready":false,"agent":"ok","sync":"the agent has not received …"}`.
final class AgentHealthReporter: HealthReporter {
    private enum Phase: Sendable {
        /// Before the agent has its SVID: fetching the bootstrap bundle, attesting or loading the saved SVID.
        case starting
        case running(AgentHealth, WorkloadCache)
        case stopping
    }

    private let phase = Mutex(Phase.starting)

    /// The agent has its SVID and serves.
    func running(health: AgentHealth, cache: WorkloadCache) {
        phase.withLock { $0 = .running(health, cache) }
    }

    /// Graceful shutdown has begun.
    func stopping() {
        phase.withLock { $0 = .stopping }
    }

    func liveness() -> HealthState {
        switch phase.withLock({ $0 }) {
        case .starting, .running: HealthState(healthy: true)
        case .stopping: HealthState(details: [.init("agent", Self.shuttingDown)])
        }
    }

    func readiness() -> HealthState {
        switch phase.withLock({ $0 }) {
        case .starting:
            return HealthState(details: [
                .init("agent", "the agent has no SVID yet: node attestation (or loading the saved SVID) has not finished"),
                .init("sync", Self.notSynced),
            ])
        case .running(let health, let cache):
            let synced = cache.read { $0.synced && $0.bundle != nil }
            return HealthState(details: [
                .init("agent", health.unhealthyReason(now: Date()) ?? HealthState.ok),
                .init("sync", synced ? HealthState.ok : Self.notSynced + " (\(health.linkDescription))"),
            ])
        case .stopping:
            return HealthState(details: [.init("agent", Self.shuttingDown)])
        }
    }

    private static let notSynced = "the agent has not received its entries from the server yet"
    private static let shuttingDown = "the agent is shutting down"
}
