import Foundation
import SteepleTestSupport

/// Agent resident memory with 0, 1,000 and 10,000 cached X509-SVIDs (entries no local caller matches, so the memory is
/// the cache's and not that of open streams).
enum FootprintBenchmarks {
    static func run(scale: Double, report: MarkdownReport) async throws {
        let steps = scale < 1 ? [0, 20, 100] : [0, 1000, 10_000]
        // Every SVID cached (the limit raised past the largest step): the memory per cached SVID.
        let domain = try BenchTrustDomain(agentCount: 1, agentLines: ["x509_svid_cache_max_size = \(steps.last! * 2)"])
        var rows: [[String]] = []
        var atThousand: ProcessFigures?
        var atLast: ProcessFigures?
        var mappedFiles: [[String]] = []
        var watcherRows: [[String]] = []
        do {
            try await domain.start()
            let agent = domain.agents[0]
            let pid = try agent.pid ?? { throw BenchFailure("agent not running") }()
            var registered = 0
            for target in steps {
                if target > registered {
                    try await domain.withAdmin { admin in
                        var next = registered
                        while next < target {
                            let batch = (next..<min(target, next + 500)).map { ("spiffe://example.org/footprint/\($0)", "unix:uid:\(300_000 + $0)") }
                            _ = try await BenchTrustDomain.createEntries(admin, batch)
                            next += batch.count
                        }
                    }
                    registered = target
                }
                let started = ContinuousClock.now
                while cachedSVIDs(in: agent.logText) < target {
                    guard ContinuousClock.now - started < .seconds(600) else { throw BenchFailure("agent did not issue \(target) SVIDs in 10 min") }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let issuing = ContinuousClock.now - started
                try await Task.sleep(for: .seconds(2))
                let figures = ProcessFigures.read(pid: pid)
                if target == steps.last, let figures { atLast = figures }
                if target == steps[1], let figures {
                    atThousand = figures
                    mappedFiles = ProcessFigures.residentFiles(pid: pid).prefix(8).map {
                        [URL(fileURLWithPath: $0.file).lastPathComponent, ProcessFigures.mebibytes($0.kib)]
                    }
                }
                rows.append([
                    String(target),
                    figures.map { ProcessFigures.mebibytes($0.residentKiB) } ?? "?",
                    figures.map { ProcessFigures.mebibytes($0.anonymousKiB) } ?? "?",
                    figures.map { ProcessFigures.mebibytes($0.fileKiB) } ?? "?",
                    target == 0 ? "–" : LatencySample.format(LatencySample.seconds(issuing), digits: 2),
                ])
            }
            watcherRows = try await watcherRounds(domain, pid: pid, watchers: scale < 1 ? 20 : 200, rounds: scale < 1 ? 2 : 5)
            await domain.stop()
        } catch {
            await domain.stop()
            throw error
        }
        let bounded = try await boundedAgent(entries: steps.last!, limit: steps[1])
        let boundedHeader = ["authorized entries", "x509_svid_cache_max_size", "cached X509-SVIDs", "agent RSS MiB", "of which anonymous (RssAnon) MiB"]
        printTable("Bounded agent", header: boundedHeader, rows: [bounded.row])
        report.add("Bounded agent (x509_svid_cache_max_size)", intro: "One agent at SPIRE's default limit with ten times as many authorized entries as the limit (each with its own selector, none served): it prefetches only up to the limit and issues the rest when a workload asks. RSS is read once the cache is full and the entries have synced.", header: boundedHeader, rows: [bounded.row])
        if let atThousand {
            report.target(
                "Bounded agent", goal: "memory flat as entries grow: \(steps.last!) entries under a limit of \(steps[1]) cost about what \(steps[1]) SVIDs do",
                figure: "\(ProcessFigures.mebibytes(bounded.figures.residentKiB)) MiB RSS (anonymous \(ProcessFigures.mebibytes(bounded.figures.anonymousKiB))) with \(steps.last!) entries and \(bounded.cached) SVIDs cached, against \(ProcessFigures.mebibytes(atThousand.residentKiB)) MiB (anonymous \(ProcessFigures.mebibytes(atThousand.anonymousKiB))) with \(steps[1]) entries",
                met: bounded.cached <= steps[1] && bounded.figures.anonymousKiB <= atThousand.anonymousKiB * 3 / 2,
                obstacle: "the entries themselves (selectors, IDs) are kept for every authorized entry")
        }
        let roundsHeader = ["after", "agent RSS MiB", "of which anonymous (RssAnon) MiB"]
        printTable("Agent memory over rounds of Workload API watchers", header: roundsHeader, rows: watcherRows)
        report.add("Agent memory over rounds of watchers", intro: "Issue #11 saw agent RSS rise from 51 to 70 MB over two rounds of 200 watchers and stay there. Each round opens that many FetchX509SVID streams, each on its own connection, waits for every one to receive its SVID, and closes them all; RSS is read 2 s after each round (the agent returns freed heap to the kernel once streams end).", header: roundsHeader, rows: watcherRows)
        let header = ["cached X509-SVIDs", "agent RSS MiB", "of which anonymous (RssAnon) MiB", "of which mapped files (RssFile) MiB", "seconds to issue the step"]
        printTable("Agent footprint", header: header, rows: rows)
        if let atThousand {
            report.target(
                "Agent footprint", goal: "RSS < 30 MiB with 1,000 SVIDs",
                figure: "\(ProcessFigures.mebibytes(atThousand.residentKiB)) MiB with \(steps[1]) SVIDs (anonymous \(ProcessFigures.mebibytes(atThousand.anonymousKiB)), mapped files \(ProcessFigures.mebibytes(atThousand.fileKiB)))",
                met: atThousand.residentKiB < 30 * 1024,
                obstacle: "most of it is mapped code: the pages of the agent binary and of the shared Swift runtime and Foundation libraries that it touches (shared and reclaimable, counted by RSS all the same; the table of mapped files below names them); the agent's own memory is the anonymous part")
            if let atLast {
                let perSVID = Double(atLast.anonymousKiB - atThousand.anonymousKiB) / Double(steps.last! - steps[1])
                report.target(
                    "Agent memory per cached SVID (issue #20)", goal: "anonymous RSS ≤ 2.5 KiB per cached X509-SVID",
                    figure: "\(LatencySample.format(perSVID, digits: 1)) KiB: anonymous \(ProcessFigures.mebibytes(atLast.anonymousKiB)) MiB with \(steps.last!) SVIDs against \(ProcessFigures.mebibytes(atThousand.anonymousKiB)) MiB with \(steps[1])",
                    met: perSVID <= 2.5,
                    obstacle: "each cached SVID keeps its private key, the parsed chain and the DER forms served to workloads, and its entry")
            }
        }
        let mappedHeader = ["mapped file", "resident MiB"]
        printTable("Agent footprint: mapped files with 1,000 SVIDs", header: mappedHeader, rows: mappedFiles)
        report.add("Agent footprint: what the mapped files are", intro: "The resident pages of each file mapped into the agent at the 1,000-SVID step (`/proc/<pid>/smaps`), the eight largest: the agent's own binary and the Swift runtime and Foundation libraries it loads.", header: mappedHeader, rows: mappedFiles)
        report.add("Agent footprint", intro: "Resident memory of one release agent after it has issued and cached an X509-SVID (key, chain, DER forms) for every entry; entries are registered in batches of 500 (the admin API's limit) through the admin API, each with its own selector. RSS is split as the kernel counts it: anonymous memory is the agent's own (heap, stacks, the cache); mapped files are pages of the agent binary and the Swift runtime libraries it has touched, clean, shared with any other process using them and reclaimable under memory pressure. The last column is the time from registration to the last SVID cached (key generation on the agent, signing on the server).", header: header, rows: rows)
    }

    /// An agent at `limit` (SPIRE's default when it is 1,000) with `entries` authorized entries: how many SVIDs it
    /// caches and its memory once they are cached and the entries synced.
    static func boundedAgent(entries: Int, limit: Int) async throws -> (row: [String], figures: ProcessFigures, cached: Int) {
        let domain = try BenchTrustDomain(agentCount: 1, agentLines: ["x509_svid_cache_max_size = \(limit)"])
        do {
            try await domain.start()
            let agent = domain.agents[0]
            let pid = try agent.pid ?? { throw BenchFailure("agent not running") }()
            try await domain.withAdmin { admin in
                var next = 0
                while next < entries {
                    let batch = (next..<min(entries, next + 500)).map { ("spiffe://example.org/bounded/\($0)", "unix:uid:\(400_000 + $0)") }
                    _ = try await BenchTrustDomain.createEntries(admin, batch)
                    next += batch.count
                }
            }
            let started = ContinuousClock.now
            while cachedSVIDs(in: agent.logText) < limit {
                guard ContinuousClock.now - started < .seconds(300) else { throw BenchFailure("the bounded agent did not cache \(limit) SVIDs in 5 min") }
                try await Task.sleep(for: .milliseconds(100))
            }
            // The sync of the remaining entries, then the heap settles.
            try await Task.sleep(for: .seconds(5))
            let cached = cachedSVIDs(in: agent.logText)
            let figures = try ProcessFigures.read(pid: pid) ?? { throw BenchFailure("cannot read the agent's memory") }()
            await domain.stop()
            let row = [String(entries), String(limit), String(cached), ProcessFigures.mebibytes(figures.residentKiB), ProcessFigures.mebibytes(figures.anonymousKiB)]
            return (row, figures, cached)
        } catch {
            await domain.stop()
            throw error
        }
    }

    /// Opens `watchers` FetchX509SVID streams (one connection each), waits for all of them to get their SVID, closes
    /// them, and reads the agent's RSS; `rounds` times, after a baseline.
    static func watcherRounds(_ domain: BenchTrustDomain, pid: Int32, watchers: Int, rounds: Int) async throws -> [[String]] {
        let id = "spiffe://example.org/footprint/watched"
        _ = try await domain.withAdmin { admin in try await BenchTrustDomain.createEntries(admin, [(id, "unix:uid:\(getuid())")]) }
        func row(_ label: String) -> [String] {
            let figures = ProcessFigures.read(pid: pid)
            return [label, figures.map { ProcessFigures.mebibytes($0.residentKiB) } ?? "?", figures.map { ProcessFigures.mebibytes($0.anonymousKiB) } ?? "?"]
        }
        // One watcher first, until the entry has reached the agent: otherwise every watcher opened before it would be
        // refused ("no identity issued") and retry at once, a storm of connections that overflows the agent's listen
        // backlog and leaves some clients in gRPC's reconnect backoff past the round's deadline.
        _ = try await PropagationBenchmarks.withWatchers([domain.agents[0].socketPath]) { opened in
            try await PropagationBenchmarks.waitAll(opened, until: { $0.contains(id) })
        }
        var rows = [row("no watcher yet")]
        let sockets = Array(repeating: domain.agents[0].socketPath, count: watchers)
        for round in 1...rounds {
            // Opened 5 ms apart: 200 connections from one process at once can stall the agent's accepts (see the
            // issue #20 note), which is not what this measures.
            _ = try await PropagationBenchmarks.withWatchers(sockets, stagger: .milliseconds(5)) { opened in
                try await PropagationBenchmarks.waitAll(opened, until: { $0.contains(id) })
            }
            try await Task.sleep(for: .seconds(2))
            rows.append(row("round \(round) of \(watchers) watchers closed"))
        }
        return rows
    }

    /// The largest `cached=` count the agent logged.
    static func cachedSVIDs(in log: String) -> Int {
        var best = 0
        for line in log.split(separator: "\n") where line.contains("X509-SVIDs issued") {
            if let field = line.split(separator: " ").first(where: { $0.hasPrefix("cached=") }), let value = Int(field.dropFirst(7)) {
                best = max(best, value)
            }
        }
        return best
    }
}
