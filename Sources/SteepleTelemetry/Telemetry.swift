import CoreMetrics
package import GRPCCore
package import Logging
package import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A process's telemetry: the sinks `telemetry { … }` names, installed as swift-metrics' factory, and a service that
/// runs the Prometheus exporter and keeps SPIRE's `uptime_in_ms` current.
package struct Telemetry: Service {
    private let exporter: PrometheusExporter?
    private let startedAt: ContinuousClock.Instant
    /// Whether a sink is configured: without one, metrics are no-ops and samplers need not run.
    package let hasSinks: Bool

    private static let bootstrapped = Atomic<Bool>(false)

    /// Installs the sinks for this process and records SPIRE's `started` gauge.
    /// - Parameters:
    ///   - configuration: The `telemetry` block; without sinks nothing is installed and every metric is a no-op.
    ///   - serviceName: `spire_server` or `spire_agent`: the default `MetricPrefix`, as SPIRE.
    ///   - trustDomain: For the `started` gauge and `EnableTrustDomainLabel`.
    ///   - version: For the `started` gauge.
    /// - Throws: ``TelemetryError`` when a StatsD address does not resolve, or telemetry was started before in this
    ///   process (swift-metrics has one factory per process).
    package init(
        configuration: TelemetryConfiguration, serviceName: String, trustDomain: String, version: String, logger: Logger
    ) throws(TelemetryError) {
        startedAt = .now
        hasSinks = configuration.hasSinks
        for sink in configuration.ignoredSinks {
            logger.warning("telemetry sink is not supported by Steeple and is ignored", metadata: ["sink": "\(sink)"])
        }
        guard configuration.hasSinks else {
            exporter = nil
            return
        }
        guard Self.bootstrapped.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            throw TelemetryError("telemetry is already running in this process; start it once")
        }
        let prefix = configuration.metricPrefix ?? serviceName
        var sinks: [any MetricsFactory] = []
        var prometheus: GuardedPrometheusFactory?
        if configuration.prometheus != nil {
            let factory = GuardedPrometheusFactory(prefix: prefix)
            prometheus = factory
            sinks.append(factory)
        }
        for address in configuration.statsdAddresses {
            sinks.append(StatsdMetricsFactory(socket: try StatsdSocket(address: address), prefix: prefix, dialect: .statsd))
        }
        for address in configuration.dogStatsdAddresses {
            sinks.append(StatsdMetricsFactory(socket: try StatsdSocket(address: address), prefix: prefix, dialect: .dogStatsd))
        }
        var common: [(String, String)] = []
        if configuration.enableHostnameLabel { common.append(("host", Self.hostname)) }
        if configuration.enableTrustDomainLabel { common.append(("trust_domain_id", trustDomain)) }
        let sink: any MetricsFactory = sinks.count == 1 ? sinks[0] : MultiplexMetricsHandler(factories: sinks)
        MetricsSystem.bootstrap(FilteringMetricsFactory(sink: sink, commonLabels: common, configuration: configuration))

        let startedAt = self.startedAt
        exporter = prometheus.map { factory in
            PrometheusExporter(listener: configuration.prometheus!, factory: factory, logger: logger) {
                Self.recordUptime(since: startedAt)
            }
        }
        SPIREMetrics.gauge("started", 1, labels: [("version", version), ("trust_domain_id", trustDomain)])
        Self.recordUptime(since: startedAt)
    }

    /// The RPC metrics interceptor when a sink is configured, none otherwise: a server puts these first, so refused
    /// calls count too (SPIRE's metrics middleware runs before authorization).
    package var interceptors: [any ServerInterceptor] {
        hasSinks ? [MetricsInterceptor()] : []
    }

    /// Runs the exporter, if any, and updates `uptime_in_ms` every second (SPIRE's period) until shutdown.
    package func run() async throws {
        guard hasSinks else { return }
        let startedAt = self.startedAt
        try await withThrowingDiscardingTaskGroup { group in
            if let exporter {
                group.addTask { try await exporter.run() }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        Self.recordUptime(since: startedAt)
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
        }
    }

    private static func recordUptime(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        SPIREMetrics.gauge("uptime_in_ms", Double(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
    }

    private static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(cString: buffer)
    }
}
