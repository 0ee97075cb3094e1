import CoreMetrics
import Prometheus
import Synchronization

/// The Prometheus sink: swift-prometheus's factory behind a guard that never lets a metric crash the process.
///
/// `PrometheusCollectorRegistry` traps when one name is registered as two metric types, or with and without labels,
/// or with a repeated label name. Each is a programming error here, and a process must not die of one: this guard
/// remembers every name's type and label names, and answers a conflicting registration with a no-op handler (counted
/// in ``conflicts``, which the exporter logs) instead.
final class GuardedPrometheusFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let shapes = Mutex<[String: Shape]>([:])
    private let conflictCount = Atomic<Int>(0)

    private struct Shape: Equatable {
        let kind: String
        let labelNames: [String]
    }

    /// - Parameters:
    ///   - prefix: The first part of every name (`spire_server`); the key's dots become underscores after it.
    init(prefix: String) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // SPIRE's samples are milliseconds (go-metrics' timer granularity); so are the buckets.
        factory.defaultValueHistogramBuckets = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.prometheusName(prefix: prefix, key: name), labels.map { (Self.prometheusName(prefix: nil, key: $0.0), $0.1) })
        }
        self.registry = registry
        self.factory = factory
    }

    /// Registrations refused because they conflicted with an earlier one.
    var conflicts: Int { conflictCount.load(ordering: .relaxed) }

    /// `spire_server` + `rpc.agent.v1.agent.attest_agent` → `spire_server_rpc_agent_v1_agent_attest_agent`: every
    /// character Prometheus does not allow in a name becomes `_`, as go-metrics' Prometheus sink does.
    static func prometheusName(prefix: String?, key: String) -> String {
        let joined = prefix.map { $0 + "_" + key } ?? key
        var result = ""
        result.reserveCapacity(joined.utf8.count)
        for (index, scalar) in joined.unicodeScalars.enumerated() {
            let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || scalar == "_" || (index > 0 && ("0"..."9").contains(scalar)))
            result.unicodeScalars.append(allowed ? scalar : "_")
        }
        return result
    }

    private func admit(_ label: String, _ dimensions: [(String, String)], kind: String) -> Bool {
        let names = dimensions.map { Self.prometheusName(prefix: nil, key: $0.0) }
        guard Set(names).count == names.count else {
            conflictCount.add(1, ordering: .relaxed)
            return false
        }
        let shape = Shape(kind: kind, labelNames: names.sorted())
        return shapes.withLock { shapes in
            let name = Self.prometheusName(prefix: nil, key: label)
            if let existing = shapes[name] {
                if existing == shape { return true }
                conflictCount.add(1, ordering: .relaxed)
                return false
            }
            shapes[name] = shape
            return true
        }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard admit(label, dimensions, kind: "counter") else { return NOOPMetricsHandler.instance }
        return factory.makeCounter(label: label, dimensions: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard admit(label, dimensions, kind: "counter") else { return NOOPMetricsHandler.instance }
        return factory.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard admit(label, dimensions, kind: aggregate ? "histogram" : "gauge") else { return NOOPMetricsHandler.instance }
        return factory.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard admit(label, dimensions, kind: "gauge") else { return NOOPMetricsHandler.instance }
        return factory.makeMeter(label: label, dimensions: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard admit(label, dimensions, kind: "duration") else { return NOOPMetricsHandler.instance }
        return factory.makeTimer(label: label, dimensions: dimensions)
    }

    // Handlers live as long as the process: series are never unregistered, as SPIRE's are not.
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
