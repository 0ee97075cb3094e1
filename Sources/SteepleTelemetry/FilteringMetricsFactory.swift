import CoreMetrics

/// SPIRE's telemetry rules in front of the sinks: the labels every metric carries (`host`, `trust_domain_id`) and
/// `AllowedPrefixes` / `BlockedPrefixes` / `AllowedLabels` / `BlockedLabels`, as go-metrics applies them.
struct FilteringMetricsFactory: MetricsFactory {
    let sink: any MetricsFactory
    let commonLabels: [(String, String)]
    let allowedPrefixes: [String]
    let blockedPrefixes: [String]
    let allowedLabels: Set<String>
    let blockedLabels: Set<String>

    init(sink: any MetricsFactory, commonLabels: [(String, String)], configuration: TelemetryConfiguration) {
        self.sink = sink
        self.commonLabels = commonLabels
        allowedPrefixes = configuration.allowedPrefixes
        blockedPrefixes = configuration.blockedPrefixes
        allowedLabels = Set(configuration.allowedLabels)
        blockedLabels = Set(configuration.blockedLabels)
    }

    /// A key is kept unless a blocked prefix matches it, or allowed prefixes are given and none matches
    /// (go-metrics: an allow list is checked first and a match there wins).
    func keeps(_ key: String) -> Bool {
        func matches(_ prefix: String) -> Bool { key.hasPrefix(prefix) }
        if allowedPrefixes.contains(where: matches) { return true }
        if blockedPrefixes.contains(where: matches) { return false }
        return allowedPrefixes.isEmpty
    }

    /// The call's labels, then the common ones, without blocked (or, given an allow list, unlisted) names, each name
    /// once (the first wins).
    func labels(_ dimensions: [(String, String)]) -> [(String, String)] {
        var seen = Set<String>()
        var result: [(String, String)] = []
        for (name, value) in dimensions + commonLabels where seen.insert(name).inserted {
            if blockedLabels.contains(name) { continue }
            if !allowedLabels.isEmpty, !allowedLabels.contains(name) { continue }
            result.append((name, value))
        }
        return result
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        keeps(label) ? sink.makeCounter(label: label, dimensions: labels(dimensions)) : NOOPMetricsHandler.instance
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        keeps(label) ? sink.makeFloatingPointCounter(label: label, dimensions: labels(dimensions)) : NOOPMetricsHandler.instance
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        keeps(label) ? sink.makeRecorder(label: label, dimensions: labels(dimensions), aggregate: aggregate) : NOOPMetricsHandler.instance
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        keeps(label) ? sink.makeMeter(label: label, dimensions: labels(dimensions)) : NOOPMetricsHandler.instance
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        keeps(label) ? sink.makeTimer(label: label, dimensions: labels(dimensions)) : NOOPMetricsHandler.instance
    }

    func destroyCounter(_ handler: any CounterHandler) { sink.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { sink.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { sink.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { sink.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { sink.destroyTimer(handler) }
}
