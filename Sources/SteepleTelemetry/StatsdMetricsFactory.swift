import CoreMetrics

/// The StatsD and DogStatsD sinks: one UDP datagram per observation, named as SPIRE's go-metrics names them.
///
/// - StatsD: `spire_agent.rpc.workload_api.fetch_x509svid.OK.host-1:1|c` (label values folded into the name).
/// - DogStatsD: `spire_agent.rpc.workload_api.fetch_x509svid:1|c|#status:OK,host:host-1`.
///
/// Counters are `|c`, gauges `|g`, samples and timers `|ms` (milliseconds).
final class StatsdMetricsFactory: MetricsFactory {
    enum Dialect: Sendable {
        case statsd
        case dogStatsd
    }

    private let socket: StatsdSocket
    private let prefix: String
    private let dialect: Dialect

    init(socket: StatsdSocket, prefix: String, dialect: Dialect) {
        self.socket = socket
        self.prefix = prefix
        self.dialect = dialect
    }

    /// The name and the suffix every line of one metric carries: `name:` goes before the value, the suffix after
    /// the type.
    static func lineParts(prefix: String, key: String, dimensions: [(String, String)], dialect: Dialect) -> (name: String, tags: String) {
        func clean(_ text: String) -> String {
            String(text.map { $0 == ":" || $0 == " " || $0 == "|" || $0 == "," || $0 == "#" ? "_" : $0 })
        }
        switch dialect {
        case .statsd:
            let parts = [prefix, key] + dimensions.map(\.1)
            return (clean(parts.joined(separator: ".")), "")
        case .dogStatsd:
            let tags = dimensions.map { clean($0.0) + ":" + clean($0.1) }.joined(separator: ",")
            return (clean(prefix + "." + key), tags.isEmpty ? "" : "|#" + tags)
        }
    }

    private func handler(_ key: String, _ dimensions: [(String, String)]) -> StatsdHandler {
        let (name, tags) = Self.lineParts(prefix: prefix, key: key, dimensions: dimensions, dialect: dialect)
        return StatsdHandler(socket: socket, name: name, tags: tags)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        handler(label, dimensions).counter
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        aggregate ? handler(label, dimensions).sample : handler(label, dimensions).gauge
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        handler(label, dimensions).timer
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// One metric's name and tags, and the handler kinds that send its lines.
private struct StatsdHandler {
    let socket: StatsdSocket
    let name: String
    let tags: String

    var counter: Counter { Counter(line: self) }
    var sample: Recorder { Recorder(line: self, type: "ms") }
    var gauge: Recorder { Recorder(line: self, type: "g") }
    var timer: Timer { Timer(line: self) }

    func send(_ value: String, _ type: String) {
        socket.send(name + ":" + value + "|" + type + tags)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    final class Counter: CounterHandler {
        let line: StatsdHandler
        init(line: StatsdHandler) { self.line = line }
        func increment(by amount: Int64) { line.send(String(amount), "c") }
        func reset() {}
    }

    final class Recorder: RecorderHandler {
        let line: StatsdHandler
        let type: String
        init(line: StatsdHandler, type: String) {
            self.line = line
            self.type = type
        }
        func record(_ value: Int64) { line.send(String(value), type) }
        func record(_ value: Double) { line.send(StatsdHandler.format(value), type) }
    }

    final class Timer: TimerHandler {
        let line: StatsdHandler
        init(line: StatsdHandler) { self.line = line }
        func recordNanoseconds(_ duration: Int64) { line.send(StatsdHandler.format(Double(duration) / 1_000_000), "ms") }
    }
}
