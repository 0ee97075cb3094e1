import Foundation
import Logging
import SteepleDatastoreSQLite
import SteepleServer

/// Issue #12's per-call figure: what authenticating the caller of an agent API call costs, in full (verify the
/// presented chain against the bundle, read the node record from SQLite: what every call did before the cache) and
/// from the authentication cache (every later call of a connection). Sequential calls on one task, SQLite in a
/// temporary directory.
enum AuthenticationBenchmark {
    static func run(scale: Double, report: MarkdownReport) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-bench-auth-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteDatastore(path: directory + "/datastore.sqlite3")
        let probe = try await AgentAuthenticationProbe.make(store: store, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let calls = scale < 1 ? 200 : 20_000
        var rows: [[String]] = []
        var perCall: [Double] = []
        for (name, call) in [
            ("in full: chain verified, node read from SQLite (every call before #12)", probe.authenticateInFull),
            ("cached: the connection's later calls", probe.authenticateCached),
        ] as [(String, @Sendable () async throws -> Void)] {
            try await call()  // warm-up (and, for the cache, its one full check)
            var samples: [Duration] = []
            samples.reserveCapacity(calls)
            let start = ContinuousClock.now
            for _ in 0..<calls {
                let begin = ContinuousClock.now
                try await call()
                samples.append(ContinuousClock.now - begin)
            }
            let sample = LatencySample(samples, elapsed: ContinuousClock.now - start)
            perCall.append(LatencySample.seconds(sample.p50))
            rows.append([name, String(calls), LatencySample.microseconds(sample.p50), LatencySample.microseconds(sample.p99)])
        }
        let header = ["authentication", "calls", "p50 µs", "p99 µs"]
        printTable("Agent API caller authentication per call (release figures only mean something with -c release)", header: header, rows: rows)
        report.target(
            "Agent API authentication per call", goal: "cached ≤ 10 % of the full check",
            figure: "p50 \(LatencySample.format(perCall[1] * 1e6, digits: 1)) µs cached vs \(LatencySample.format(perCall[0] * 1e6, digits: 0)) µs in full",
            met: perCall[1] <= perCall[0] / 10, obstacle: "see the Authentication table")
        report.add("Authentication", intro: "What authenticating the caller of one agent API call costs: in full (the presented chain verified against the bundle, the node record read from SQLite), which every call did before issue #12, and from the cache keyed by the whole leaf certificate, which every call of a connection after its first now costs. One task, sequential calls.", header: header, rows: rows)
    }
}
