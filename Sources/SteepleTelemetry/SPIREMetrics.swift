import CoreMetrics

/// Where instrumented code records: SPIRE's keys (`.`-separated parts, without the `spire_server`/`spire_agent`
/// prefix, which the sinks add) through swift-metrics. Without a configured sink every call is a no-op.
package enum SPIREMetrics {
    /// A counter (`IncrCounterWithLabels`).
    package static func increment(_ key: String, by amount: Int = 1, labels: [(String, String)] = []) {
        Counter(label: key, dimensions: labels).increment(by: amount)
    }

    /// A gauge (`SetGaugeWithLabels`).
    package static func gauge(_ key: String, _ value: Double, labels: [(String, String)] = []) {
        Gauge(label: key, dimensions: labels).record(value)
    }

    /// A sample (`AddSampleWithLabels`): a histogram in Prometheus, `|ms` in StatsD.
    package static func sample(_ key: String, _ value: Double, labels: [(String, String)] = []) {
        Recorder(label: key, dimensions: labels, aggregate: true).record(value)
    }
}

/// SPIRE's call counter: when the call ends, a counter `key` and a sample `key.elapsed_time` (milliseconds), both
/// with a `status` label holding the gRPC status code name (`OK`, `PermissionDenied`, …).
///
///     let call = CallCounter("ca.manager.x509_ca.prepare")
///     do { try await prepare(); call.done() } catch { call.done(status: "Internal"); throw error }
package struct CallCounter: Sendable {
    package let key: String
    package var labels: [(String, String)]
    private let start: ContinuousClock.Instant

    package init(_ key: String, labels: [(String, String)] = []) {
        self.key = key
        self.labels = labels
        self.start = .now
    }

    /// Emits the counter and the elapsed time; `status` is a gRPC code name as SPIRE's Go client prints it.
    package func done(status: String = "OK") {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let labels = self.labels + [("status", status)]
        SPIREMetrics.increment(key, labels: labels)
        SPIREMetrics.sample(key + ".elapsed_time", milliseconds, labels: labels)
    }
}
