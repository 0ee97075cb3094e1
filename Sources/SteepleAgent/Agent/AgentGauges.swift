import ServiceLifecycle
import SteepleTelemetry

/// SPIRE's agent cache gauges, sampled every second while telemetry has a sink: the entries the agent holds
/// (`lru_cache_record_map_size{svid_type="X509"}`), the X509-SVIDs it holds (`lru_cache_svid_map_size{svid_type="X509"}`)
/// and its cached JWT-SVIDs (`jwt_svid_cache_size`).
struct AgentGauges: Sendable {
    let cache: WorkloadCache
    let jwtCache: JWTSVIDCache

    func run() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let (entries, svids) = cache.read { ($0.entries.count, $0.svids.count) }
                SPIREMetrics.gauge("lru_cache_record_map_size", Double(entries), labels: [("svid_type", "X509")])
                SPIREMetrics.gauge("lru_cache_svid_map_size", Double(svids), labels: [("svid_type", "X509")])
                SPIREMetrics.gauge("jwt_svid_cache_size", Double(jwtCache.count))
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
