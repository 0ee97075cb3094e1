/// SPIRE's `telemetry { … }` block, as the server and the agent read it.
///
///     telemetry {
///         Prometheus { host = "localhost" port = 9988 }
///         Statsd = [{ address = "localhost:8125" }]
///         DogStatsd = [{ address = "localhost:8126" }]
///         MetricPrefix = "spire_server"
///         EnableHostnameLabel = true
///     }
///
/// Metric names and labels are SPIRE's (`docs/telemetry.md` lists them), so dashboards built for SPIRE keep working.
public struct TelemetryConfiguration: Sendable, Hashable {
    /// `Prometheus { host, port }`: an HTTP listener answering `GET /metrics` in the Prometheus text format.
    public var prometheus: PrometheusListener?
    /// `Statsd = [{ address }]`: plain StatsD over UDP, label values folded into the name (as SPIRE's go-metrics sink).
    public var statsdAddresses: [String] = []
    /// `DogStatsd = [{ address }]`: StatsD with DogStatsD tags (`|#status:OK`).
    public var dogStatsdAddresses: [String] = []
    /// `MetricPrefix`: the first part of every name; `spire_server` or `spire_agent` when unset, as SPIRE.
    public var metricPrefix: String?
    /// `EnableHostnameLabel` (default true): a `host` label with the machine's name on every metric.
    public var enableHostnameLabel = true
    /// `EnableTrustDomainLabel` (default false): a `trust_domain_id` label on every metric.
    public var enableTrustDomainLabel = false
    /// `AllowedPrefixes` / `BlockedPrefixes`: metric keys (`.`-separated, without the prefix) kept or dropped.
    public var allowedPrefixes: [String] = []
    public var blockedPrefixes: [String] = []
    /// `AllowedLabels` / `BlockedLabels`: label names kept or dropped.
    public var allowedLabels: [String] = []
    public var blockedLabels: [String] = []
    /// Sinks SPIRE has and Steeple does not (`M3`, `InMem`), named for the configuration warnings.
    public var ignoredSinks: [String] = []

    public init() {}

    /// Whether any sink is configured; without one, no metric is kept and instrumented code pays only for a no-op.
    public var hasSinks: Bool {
        prometheus != nil || !statsdAddresses.isEmpty || !dogStatsdAddresses.isEmpty
    }

    /// `Prometheus { host = "localhost" port = 9988 }`.
    public struct PrometheusListener: Sendable, Hashable {
        /// SPIRE's default is `localhost`; any other host is reachable from the network and logged as such.
        public var host: String
        public var port: Int

        public init(host: String = "localhost", port: Int) {
            self.host = host
            self.port = port
        }
    }
}
