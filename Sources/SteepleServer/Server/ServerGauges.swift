import ServiceLifecycle
import SteepleTelemetry

/// SPIRE's server gauges, sampled every second while telemetry has a sink: the entries the server holds
/// (`entry.entries_by_entryid_cache.count`), the agents it has authenticated (`node.agents_by_id_cache.count`), and,
/// Steeple's own, the agents' open sync streams (`entry.sync_streams`), which SPIRE, polling, has no counterpart for.
struct ServerGauges: Service {
    let index: EntryIndex
    let agents: AgentAuthenticationCache

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let sizes = index.sizes
                SPIREMetrics.gauge("entry.entries_by_entryid_cache.count", Double(sizes.entries))
                SPIREMetrics.gauge("entry.sync_streams", Double(sizes.subscriptions))
                SPIREMetrics.gauge("node.agents_by_id_cache.count", Double(agents.count))
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
