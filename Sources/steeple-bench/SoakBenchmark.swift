import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFE
import SPIFFEWorkloadAPIProto
import SteepleTestSupport
import Synchronization
import X509

/// Issue #11's soak: `streams` Workload API streams held against one real agent for `minutes` while every X509-SVID
/// rotates (TTL `ttl`, so each is replaced about every ttl/2). Counts stream errors, SVIDs that had expired when they
/// arrived, and streams whose newest SVID expired while they waited for the next (an agent that stopped pushing), and
/// samples agent and server RSS. Not part of `all`: `scripts/benchmarks soak` runs it alone and replaces only the
/// soak section of docs/benchmarks.md.
enum SoakBenchmark {
    struct Options {
        var streams = 1000
        var minutes = 30.0
        var ttlSeconds = 60
        var connections = 10
        var identities = 4
    }

    final class Counters: Sendable {
        let messages = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let expiredOnArrival = Atomic<Int>(0)
        let heldExpired = Atomic<Int>(0)
        /// Per stream: the earliest notAfter of its newest message, as seconds since 1970 (0: none yet).
        let validUntil: Mutex<[Int64]>
        let lastError = Mutex<String>("")

        init(streams: Int) {
            validUntil = Mutex([Int64](repeating: 0, count: streams))
        }
    }

    typealias Stub = WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>
    static let header: Metadata = ["workload.spiffe.io": "true"]

    static func run(_ options: Options, report: MarkdownReport) async throws {
        let domain = try BenchTrustDomain(agentCount: 1, serverLines: [#"default_x509_svid_ttl = "\#(options.ttlSeconds)s""#])
        let counters = Counters(streams: options.streams)
        var samples: [[String]] = []
        var rss: [(minute: Double, agent: Int, server: Int)] = []
        do {
            try await domain.start()
            let agent = domain.agents[0]
            _ = try await domain.withAdmin { admin in
                try await BenchTrustDomain.createEntries(admin, (0..<options.identities).map { ("spiffe://example.org/soak/\($0)", "unix:uid:\(getuid())") })
            }
            for _ in 0..<200 where try await agent.cli(["api", "fetch", "x509"]).status != 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            let agentPID = try agent.pid ?? { throw BenchFailure("agent not running") }()
            let serverPID = try domain.server.processID ?? { throw BenchFailure("server not running") }()
            print("soak: \(options.streams) streams on \(options.connections) connections, \(options.identities) identities each, X509-SVID TTL \(options.ttlSeconds) s, \(options.minutes) min")
            let started = ContinuousClock.now
            let duration = Duration.milliseconds(Int64(options.minutes * 60_000))
            let sampleEvery = Duration.milliseconds(Int64(max(options.minutes * 60_000 / 30, 1000)))
            try await WorkloadAPIBenchmarks.withClients(count: options.connections, socket: agent.socketPath) { clients in
                let stubs = clients.map { Stub(wrapping: $0) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<options.streams {
                        group.addTask { await hold(stubs[index % stubs.count], stream: index, counters: counters) }
                    }
                    var nextSample = started
                    while ContinuousClock.now - started < duration {
                        let now = Date()
                        let nowSeconds = Int64(now.timeIntervalSince1970)
                        let held = counters.validUntil.withLock { $0.filter { $0 != 0 && $0 <= nowSeconds }.count }
                        if held > 0 { counters.heldExpired.add(held, ordering: .relaxed) }
                        if ContinuousClock.now >= nextSample {
                            let minute = BenchFormat.seconds(ContinuousClock.now - started) / 60
                            let agentFigures = ProcessFigures.read(pid: agentPID)
                            let serverFigures = ProcessFigures.read(pid: serverPID)
                            rss.append((minute, agentFigures?.residentKiB ?? 0, serverFigures?.residentKiB ?? 0))
                            let row = [
                                String(format: "%.1f", minute),
                                agentFigures.map { ProcessFigures.mebibytes($0.residentKiB) } ?? "?",
                                serverFigures.map { ProcessFigures.mebibytes($0.residentKiB) } ?? "?",
                                agentFigures.map { BenchFormat.seconds($0.cpuSeconds) } ?? "?",
                                String(counters.messages.load(ordering: .relaxed)),
                                String(counters.errors.load(ordering: .relaxed)),
                                String(counters.expiredOnArrival.load(ordering: .relaxed)),
                                String(counters.heldExpired.load(ordering: .relaxed)),
                            ]
                            samples.append(row)
                            print("soak: " + row.joined(separator: "  "))
                            nextSample = nextSample + sampleEvery
                        }
                        try await Task.sleep(for: .seconds(1))
                    }
                    group.cancelAll()
                }
            }
            await domain.stop()
        } catch {
            await domain.stop()
            throw error
        }
        let errors = counters.errors.load(ordering: .relaxed)
        let expired = counters.expiredOnArrival.load(ordering: .relaxed)
        let held = counters.heldExpired.load(ordering: .relaxed)
        // Flat after warm-up: the last sample against the first one taken after a fifth of the run.
        let warm = rss.first { $0.minute >= options.minutes / 5 } ?? rss.first
        let last = rss.last
        let growth: (agent: Double, server: Double)? = warm.flatMap { warm in
            last.map { last in
                (Double(last.agent - warm.agent) / Double(max(warm.agent, 1)) * 100, Double(last.server - warm.server) / Double(max(warm.server, 1)) * 100)
            }
        }
        let growthText = growth.map { String(format: "agent %+.1f %%, server %+.1f %%", $0.agent, $0.server) } ?? "no samples"
        report.target("Soak: errors", goal: "0 stream errors", figure: "\(errors) (\(counters.lastError.withLock { $0 }))", met: errors == 0, obstacle: "see the last error")
        report.target("Soak: expired SVIDs", goal: "0 expired SVIDs seen", figure: "\(expired) on arrival, \(held) stream-seconds holding an expired newest SVID", met: expired == 0 && held == 0, obstacle: "the agent did not renew in time")
        if let growth {
            report.target("Soak: memory", goal: "RSS flat after warm-up (±10 %)", figure: growthText, met: abs(growth.agent) <= 10 && abs(growth.server) <= 10, obstacle: "memory grows")
        }
        let header = ["minute", "agent RSS MiB", "server RSS MiB", "agent CPU s", "messages", "stream errors", "expired on arrival", "expired held (stream·s)"]
        printTable("Soak", header: header, rows: samples)
        report.add("Soak", intro: "\(options.streams) FetchX509SVID streams held on \(options.connections) connections against one release agent for \(options.minutes) minutes; \(options.identities) identities per stream, every X509-SVID with a \(options.ttlSeconds) s TTL (rotated at about half of it). Every message's SVIDs are checked against the clock on arrival, and once a second every stream's newest SVIDs are checked again (an agent that stopped pushing would leave them to expire). RSS from /proc, sampled through the run; growth from a fifth of the run to the end: \(growthText).", header: header, rows: samples)
    }

    /// Holds one stream, reopening it after an error, until cancelled.
    static func hold(_ stub: Stub, stream index: Int, counters: Counters) async {
        while !Task.isCancelled {
            do {
                try await stub.fetchX509SVID(request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: header)) { response in
                    for try await message in response.messages {
                        let now = Date()
                        var earliest = Int64.max
                        for svid in message.svids {
                            let parsed = try X509SVID(chainDER: svid.x509Svid, privateKeyDER: svid.x509SvidKey)
                            let notAfter = parsed.leaf.notValidAfter
                            if notAfter <= now { counters.expiredOnArrival.add(1, ordering: .relaxed) }
                            earliest = min(earliest, Int64(notAfter.timeIntervalSince1970.rounded(.down)))
                        }
                        let until: Int64 = earliest == .max ? 0 : earliest
                        counters.validUntil.withLock { $0[index] = until }
                        counters.messages.add(1, ordering: .relaxed)
                    }
                }
                if Task.isCancelled { return }
                counters.errors.add(1, ordering: .relaxed)
                counters.lastError.withLock { $0 = "stream \(index) ended" }
            } catch {
                if Task.isCancelled { return }
                counters.errors.add(1, ordering: .relaxed)
                counters.lastError.withLock { $0 = "\(error)" }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
