package import SteepleConfig

extension TelemetryConfiguration {
    /// The keys SPIRE's `telemetry` block takes.
    static let keys: Set<String> = [
        "Prometheus", "Statsd", "DogStatsd", "M3", "InMem", "MetricPrefix", "EnableTrustDomainLabel",
        "EnableHostnameLabel", "AllowedPrefixes", "BlockedPrefixes", "AllowedLabels", "BlockedLabels",
    ]

    /// Reads `telemetry { … }`; every error names the key, what was found and what would be right.
    /// - Throws: ``ConfigError`` for an unknown key, a value of the wrong kind, a port out of range or a sink
    ///   address that is not `host:port`.
    package init(reading body: ConfigBody) throws(ConfigError) {
        self.init()
        try body.rejectUnknownKeys(allowed: Self.keys, context: "telemetry")
        let prometheus = try body.blocks("Prometheus")
        if prometheus.count > 1 {
            throw ConfigError(code: .duplicateKey, at: prometheus[1].position, "telemetry takes one Prometheus block; remove the second")
        }
        if let block = prometheus.first {
            try block.body.rejectUnknownKeys(allowed: ["host", "port", "tls"], context: "telemetry.Prometheus")
            if let tls = block.body.attribute("tls")?.position ?? block.body.blocks.first(where: { $0.type == "tls" })?.position {
                throw ConfigError(
                    code: .unsupportedKey, at: tls,
                    "\"tls\" in telemetry.Prometheus is a SPIRE setting Steeple does not support yet; serve the exporter on localhost and scrape it through a TLS-terminating proxy")
            }
            guard let port = try block.body.int("port") else {
                throw ConfigError(code: .missingKey, at: block.position, "telemetry.Prometheus needs a port, such as port = 9988")
            }
            guard (1...65535).contains(port) else {
                throw ConfigError(code: .invalidValue, at: block.position, "telemetry.Prometheus.port is \(port); use a port between 1 and 65535")
            }
            self.prometheus = PrometheusListener(host: try block.body.string("host").flatMap { $0.isEmpty ? nil : $0 } ?? "localhost", port: port)
        }
        statsdAddresses = try Self.addresses(body, "Statsd")
        dogStatsdAddresses = try Self.addresses(body, "DogStatsd")
        for sink in ["M3", "InMem"] where body.keys.contains(sink) {
            ignoredSinks.append(sink)
        }
        metricPrefix = try body.string("MetricPrefix").flatMap { $0.isEmpty ? nil : $0 }
        enableHostnameLabel = try body.bool("EnableHostnameLabel") ?? true
        enableTrustDomainLabel = try body.bool("EnableTrustDomainLabel") ?? false
        allowedPrefixes = try body.stringList("AllowedPrefixes") ?? []
        blockedPrefixes = try body.stringList("BlockedPrefixes") ?? []
        allowedLabels = try body.stringList("AllowedLabels") ?? []
        blockedLabels = try body.stringList("BlockedLabels") ?? []
    }

    /// `Statsd = [{ address = "host:port" }, …]` (or repeated `Statsd { address = … }` blocks).
    private static func addresses(_ body: ConfigBody, _ key: String) throws(ConfigError) -> [String] {
        var result: [String] = []
        for block in try body.blocks(key) {
            try block.body.rejectUnknownKeys(allowed: ["address"], context: "telemetry.\(key)")
            guard let address = try block.body.string("address") else {
                throw ConfigError(code: .missingKey, at: block.position, "telemetry.\(key) needs an address, such as address = \"localhost:8125\"")
            }
            guard StatsdAddress(address) != nil else {
                throw ConfigError(
                    code: .invalidValue, at: block.position,
                    "telemetry.\(key).address is \"\(address)\"; use host:port, such as \"localhost:8125\" or \"[::1]:8125\"")
            }
            result.append(address)
        }
        return result
    }
}
