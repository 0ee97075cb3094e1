import Foundation
import SteepleDatastorePostgres
import SteepleTestSupport

/// Issue #16: several servers of one trust domain on one PostgreSQL database (a throwaway server started by
/// `scripts/postgres-throwaway`, or `STEEPLE_POSTGRES_URL`), release binaries throughout.
///
/// - An entry created through server A's admin API → its SVID on an open Workload API stream of an agent attested at
///   server B (and a delete on A → the SVID gone at B's agent): the change crosses the database's NOTIFY.
/// - Admin writes per second, one entry per `BatchCreateEntry` call from eight concurrent clients: spread over two
///   servers, all at one server, and at one server on SQLite for reference.
/// - Cold start over 1,000,000 entries in PostgreSQL (vacuumed, as a table at rest is), and the servers' RSS.
enum PostgresBenchmark {
    static let writers = 8

    static func run(scale: Double, report: MarkdownReport) async throws {
        do {
            _ = try PostgresTestServer.adminURL()
        } catch {
            // Not silent: the run says so, and so does the report.
            print("PostgreSQL group skipped: \(error)")
            report.addRaw("## PostgreSQL (issue #16)\n\nNot run: no PostgreSQL server could be started (\(error)). Install Debian's `postgresql` or set `STEEPLE_POSTGRES_URL`.\n")
            return
        }
        let trials = scale < 1 ? 5 : 100
        let writes = scale < 1 ? 80 : 2000
        let coldStartEntries = scale < 1 ? 1000 : 1_000_000
        var rows: [[String]] = []
        var lines: [String] = []
        try await PostgresTestServer.withDatabase { url in
            let (propagation, figures) = try await acrossServers(url: url, trials: trials, writes: writes, rows: &rows)
            lines += figures
            report.target(
                "Across servers", goal: "entry on server A → SVID at server B's agent: p99 ≤ 50 ms",
                figure: "p99 \(LatencySample.milliseconds(propagation.p99)) ms over \(propagation.count) trials",
                met: propagation.p99 <= .milliseconds(50), obstacle: "see the PostgreSQL table")
        }
        rows.append(try await sqliteWriteRate(writes: writes))

        BenchOutput.beginCapture()
        try await PostgresTestServer.withStore { store, url in
            let slowest = try await coldStart(store, url: url, entries: coldStartEntries)
            report.target(
                "Cold start (PostgreSQL)", goal: "\(coldStartEntries.formatted()) entries in PostgreSQL: ready ≤ 10 s",
                figure: slowest.map { "\(BenchFormat.seconds(BenchFormat.seconds($0))) s (slower of first start and restart)" } ?? "not ready",
                met: slowest.map { $0 <= .seconds(10) } ?? false, obstacle: "see the PostgreSQL cold-start lines")
        }
        lines += BenchOutput.endCapture()

        let header = ["measure", "trials or writes", "p50 ms", "p99 ms", "max ms", "per second"]
        printTable("PostgreSQL: several servers of one trust domain", header: header, rows: rows)
        report.add(
            "PostgreSQL (issue #16)",
            intro: "Two release servers on one throwaway PostgreSQL (Debian's, on loopback, fsync off) and one agent attested at server B. "
                + "Propagation: from `BatchCreateEntry`/`BatchDeleteEntry` (SPIRE's Entry API) returning on server A to the change on an already-open "
                + "FetchX509SVID stream at B's agent (A's commit → NOTIFY → B reads the change log → B's agent). Writes: "
                + "\(writers) concurrent admin clients, one entry per call; every write takes the change log's row lock, so the "
                + "database, not the number of servers, bounds the rate. With 100 trials the p99 is the slowest trial.",
            header: header, rows: rows)
        report.addRaw(lines.map { "- " + $0 }.joined(separator: "\n") + "\n")
    }

    static func plugins(_ url: String) -> String {
        #"""
        NodeAttestor "join_token" {}
            DataStore "sql" { plugin_data { database_type = "postgres" connection_string = "\#(url)" } }
        """#
    }

    /// Servers A and B on `url`, an agent at B; appends the propagation and write-rate rows; returns the
    /// create-propagation sample and the RSS lines.
    static func acrossServers(url: String, trials: Int, writes: Int, rows: inout [[String]]) async throws -> (LatencySample, [String]) {
        let portB = try freeTCPPort()
        let quiet = [#"log_level = "warn""#]
        let a = try ServerProcess(bindPort: try freeTCPPort(), extraServerLines: quiet, plugins: plugins(url))
        let b = try ServerProcess(bindPort: portB, extraServerLines: quiet, plugins: plugins(url))
        let agent = try AgentProcess(serverPort: portB, trustBundlePath: b.directory + "/bundle.pem")
        defer { for directory in [a.directory, b.directory, agent.directory] { try? FileManager.default.removeItem(atPath: directory) } }
        do {
            try await a.start()
            try await b.start()
            try await b.cli(["bundle", "show"]).stdout.write(toFile: b.directory + "/bundle.pem", atomically: true, encoding: .utf8)
            // The join token is made at A and used at B: tokens, like every record but the CA keys, are shared.
            let token = try await a.cli(["token", "generate", "-spiffeID", BenchTrustDomain.fleet])
            guard let line = token.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Token: ") }) else { throw BenchFailure("token generate: \(token.stderr)") }
            try await agent.start(joinToken: String(line.dropFirst(7)))

            let (created, deleted) = try await withBenchAdminClient(socketPath: a.socketPath) { admin in
                try await PropagationBenchmarks.measure(admin, sockets: [agent.socketPath], trials: trials)
            }
            rows.append(["entry create on A → SVID on the open stream of B's agent", String(created.count), LatencySample.milliseconds(created.p50), LatencySample.milliseconds(created.p99), LatencySample.milliseconds(created.max), ""])
            rows.append(["entry delete on A → SVID gone from that stream", String(deleted.count), LatencySample.milliseconds(deleted.p50), LatencySample.milliseconds(deleted.p99), LatencySample.milliseconds(deleted.max), ""])

            let both = try await writeRate(label: "admin writes through both servers (4 clients each)", sockets: [a.socketPath, b.socketPath], writes: writes, prefix: "both")
            let one = try await writeRate(label: "admin writes through server A alone", sockets: [a.socketPath], writes: writes, prefix: "one")
            rows += [both.row, one.row]

            // A also took the propagation trials' creates and deletes (and their seed entry).
            var taken = both.taken.merging(one.taken, uniquingKeysWith: +)
            taken[a.socketPath, default: 0] += 2 * trials + 1
            var lines: [String] = []
            for (name, server) in [("A", a), ("B", b)] {
                let figures = server.processID.flatMap { ProcessFigures.read(pid: $0) }
                lines.append("PostgreSQL server \(name), after taking \(taken[server.socketPath] ?? 0) admin writes (the other's reached it by NOTIFY) and serving the agent"
                    + (name == "B" ? " through \(2 * trials) propagation trials" : "") + ": " + (figures?.description ?? "no /proc figures"))
            }
            for line in lines { BenchOutput.line(line) }
            _ = try? await agent.stop(); _ = try? await a.stop(); _ = try? await b.stop()
            return (created, lines)
        } catch {
            _ = try? await agent.stop(); _ = try? await a.stop(); _ = try? await b.stop()
            throw error
        }
    }

    /// `writes` entries created one per call by ``writers`` concurrent admin clients, spread over `sockets`; returns
    /// the table row and how many entries each socket took.
    static func writeRate(label: String, sockets: [String], writes: Int, prefix: String) async throws -> (row: [String], taken: [String: Int]) {
        let perWriter = max(1, writes / writers)
        let clock = ContinuousClock()
        let started = clock.now
        let perSocket = try await withThrowingTaskGroup(of: (String, [Duration]).self) { group in
            for writer in 0..<writers {
                let socket = sockets[writer % sockets.count]
                group.addTask {
                    try await withBenchAdminClient(socketPath: socket) { admin in
                        var latencies: [Duration] = []
                        for n in 0..<perWriter {
                            let sent = clock.now
                            _ = try await BenchTrustDomain.createEntries(
                                admin, [("spiffe://example.org/\(prefix)/\(writer)/\(n)", "unix:uid:\(writer * perWriter + n)")], parent: "spiffe://example.org/writers")
                            latencies.append(clock.now - sent)
                        }
                        return (socket, latencies)
                    }
                }
            }
            return try await group.reduce(into: [String: [Duration]]()) { $0[$1.0, default: []] += $1.1 }
        }
        let sample = LatencySample(perSocket.values.flatMap { $0 }, elapsed: clock.now - started)
        let row = [label, String(sample.count), LatencySample.milliseconds(sample.p50), LatencySample.milliseconds(sample.p99), LatencySample.milliseconds(sample.max), LatencySample.format(sample.perSecond, digits: 0)]
        return (row, perSocket.mapValues(\.count))
    }

    /// The SQLite reference: the same writes at one server on its default datastore.
    static func sqliteWriteRate(writes: Int) async throws -> [String] {
        let domain = try BenchTrustDomain(agentCount: 0, serverLines: [#"log_level = "warn""#])
        do {
            try await domain.start()
            let row = try await writeRate(label: "admin writes through one server on SQLite (reference)", sockets: [domain.server.socketPath], writes: writes, prefix: "sqlite").row
            await domain.stop()
            return row
        } catch {
            await domain.stop()
            throw error
        }
    }

    /// Writes `count` entries straight into `store` (the database at `url`), then times two starts of a server on
    /// it; returns the slower.
    static func coldStart(_ store: PostgresDatastore, url: String, entries count: Int) async throws -> Duration? {
        let clock = ContinuousClock()
        let writeStart = clock.now
        try await BenchEntries(trustDomain: "example.org", count: count, groups: 100).write(to: store)
        BenchOutput.line("PostgreSQL cold start: \(count) entries written directly (PostgresDatastore.createEntries × 10,000) in "
            + "\(BenchFormat.seconds(BenchFormat.seconds(clock.now - writeStart))) s")
        // A database at rest has been through autovacuum (its visibility map set, statistics gathered); one written a
        // moment ago has not, and its first readers pay for that. The start is timed on the former.
        let vacuumStart = clock.now
        try await PostgresTestServer.execute(url, "VACUUM ANALYZE")
        BenchOutput.line("PostgreSQL cold start: VACUUM ANALYZE (what autovacuum does to a table at rest) in \(BenchFormat.seconds(BenchFormat.seconds(clock.now - vacuumStart))) s")
        let server = try ServerProcess(extraServerLines: [#"log_level = "warn""#], plugins: plugins(url))
        defer { try? FileManager.default.removeItem(atPath: server.directory) }
        return try await ColdStartBenchmark.timeStarts(server, describing: "PostgreSQL cold start, \(count) entries")
    }
}
