import Foundation
import SteepleTestSupport
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFEWorkloadAPIProto
import Synchronization

/// The flow that defines Steeple: from `BatchCreateEntry` returning on the admin API to the new SVID arriving on an
/// already-open FetchX509SVID stream of every agent (and from `DeleteEntries` to its removal), with 1 and 10 agents.
/// Entries are parented to a node alias all agents belong to, so each change reaches every agent; a trial's time is
/// that of the slowest agent.
enum PropagationBenchmarks {
    static func run(scale: Double, report: MarkdownReport) async throws {
        let trials = scale < 1 ? 5 : 100
        var rows: [[String]] = []
        var worstP99: Duration = .zero
        for agentCount in [1, 10] {
            let domain = try BenchTrustDomain(agentCount: agentCount)
            do {
                try await domain.start()
                let (created, deleted) = try await measure(domain, trials: trials)
                worstP99 = max(worstP99, created.p99, deleted.p99)
                rows.append(["entry create → SVID on open stream", String(agentCount), String(created.count), LatencySample.milliseconds(created.p50), LatencySample.milliseconds(created.p99), LatencySample.milliseconds(created.max)])
                rows.append(["entry delete → SVID gone from stream", String(agentCount), String(deleted.count), LatencySample.milliseconds(deleted.p50), LatencySample.milliseconds(deleted.p99), LatencySample.milliseconds(deleted.max)])
                await domain.stop()
            } catch {
                await domain.stop()
                throw error
            }
        }
        let header = ["change", "agents", "trials", "p50 ms", "p99 ms", "max ms"]
        printTable("Propagation (admin API call returned → every agent's open Workload API stream updated)", header: header, rows: rows)
        report.target(
            "Propagation", goal: "p99 < 500 ms", figure: "worst p99 \(LatencySample.milliseconds(worstP99)) ms (create or delete, 1 or 10 agents)",
            met: worstP99 < .milliseconds(500), obstacle: "see the Propagation table")
        report.add("Propagation", intro: "From the admin API's `BatchCreateEntry`/`BatchDeleteEntry` (SPIRE's Entry API) returning to the change arriving on an already-open FetchX509SVID stream on every agent (the slowest agent counts). Includes the agent making a key and the server signing the SVID. SPIRE users report 5–10 s.", header: header, rows: rows)
    }

    static func measure(_ domain: BenchTrustDomain, trials: Int) async throws -> (LatencySample, LatencySample) {
        try await domain.withAdmin { admin in
            try await measure(admin, sockets: domain.agents.map(\.socketPath), trials: trials)
        }
    }

    /// Creates and deletes entries for this process's uid, parented to the fleet, through `admin`; times each change
    /// until it is on the open FetchX509SVID stream of every agent at `sockets`.
    static func measure(_ admin: BenchTrustDomain.Admin, sockets: [String], trials: Int) async throws -> (LatencySample, LatencySample) {
        let selector = "unix:uid:\(getuid())"
        _ = try await BenchTrustDomain.createEntries(admin, [("spiffe://example.org/seed", selector)])
        return try await withWatchers(sockets) { watchers in
            try await waitAll(watchers, until: { $0.contains("spiffe://example.org/seed") })
            var created: [Duration] = []
            var deleted: [Duration] = []
            let start = ContinuousClock.now
            for trial in 0..<trials {
                let id = "spiffe://example.org/propagation/\(trial)"
                let entryIDs = try await BenchTrustDomain.createEntries(admin, [(id, selector)])
                let returned = ContinuousClock.now
                let arrived = try await waitAll(watchers, until: { $0.contains(id) })
                created.append(arrived - returned)
                try await admin.deleteEntries(entryIDs)
                let deleteReturned = ContinuousClock.now
                let gone = try await waitAll(watchers, until: { !$0.contains(id) })
                deleted.append(gone - deleteReturned)
            }
            let elapsed = ContinuousClock.now - start
            return (LatencySample(created, elapsed: elapsed), LatencySample(deleted, elapsed: elapsed))
        }
    }

    /// Waits until every watcher's latest message satisfies `condition`; returns when the last of them got it.
    @discardableResult
    static func waitAll(_ watchers: [StreamWatcher], until condition: @escaping @Sendable (Set<String>) -> Bool) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let times = watchers.map { $0.firstTime(where: condition) }
            if times.allSatisfy({ $0 != nil }) { return times.compactMap { $0 }.max()! }
            try await Task.sleep(for: .microseconds(200))
        }
        let lagging = watchers.enumerated().filter { $0.element.firstTime(where: condition) == nil }.map { "agent \($0.offset): \($0.element.summary)" }
        throw BenchFailure("a change did not reach every agent within 30 s; \(lagging.joined(separator: "; "))")
    }

    static func withWatchers<T: Sendable>(_ sockets: [String], stagger: Duration? = nil, _ body: ([StreamWatcher]) async throws -> T) async throws -> T {
        let watchers = sockets.map { _ in StreamWatcher() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
                for (socket, watcher) in zip(sockets, watchers) {
                    if let stagger { try await Task.sleep(for: stagger) }
                    group.addTask {
                        // An agent answers PermissionDenied ("no identity issued") until the first entry for the
                        // caller reaches it, which can be after the watcher opens its stream: like X509Source, the
                        // watcher opens it again (every 50 ms) until it is served.
                        while true {
                            do {
                                try await watch(socket, watcher)
                                return
                            } catch let error as RPCError where error.code == .permissionDenied {
                                try await Task.sleep(for: .milliseconds(50))
                            }
                        }
                    }
                }
                defer { group.cancelAll() }
                return try await body(watchers)
        }
    }
}

extension PropagationBenchmarks {
    /// Records every message of one FetchX509SVID stream on `socket` until it ends.
    static func watch(_ socket: String, _ watcher: StreamWatcher) async throws {
        try await withGRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)) { client in
            try await WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: client).fetchX509SVID(
                request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: WorkloadAPIBenchmarks.header)
            ) { response in
                do {
                    for try await message in response.messages { watcher.record(Set(message.svids.map(\.spiffeID))) }
                    watcher.ended("the stream ended without an error")
                } catch {
                    watcher.ended("the stream failed: \(error)")
                    throw error
                }
            }
        }
    }
}

/// The messages one Workload API stream received, with their arrival times.
final class StreamWatcher: Sendable {
    private let messages = Mutex<[(Set<String>, ContinuousClock.Instant)]>([])
    private let ending = Mutex<String?>(nil)

    func ended(_ how: String) { ending.withLock { $0 = how } }

    /// For a failure message: how many messages arrived, the last one's IDs, and how the stream ended if it did.
    var summary: String {
        let (count, last) = messages.withLock { ($0.count, $0.last?.0.sorted() ?? []) }
        let tail = last.count > 5 ? Array(last.suffix(5)) + ["… \(last.count) in all"] : last
        return "\(count) messages, last holds \(tail)" + (ending.withLock { $0 }.map { ", \($0)" } ?? ", stream still open")
    }

    func record(_ ids: Set<String>) {
        let now = ContinuousClock.now
        messages.withLock { $0.append((ids, now)) }
    }

    /// When the latest message first satisfied `condition` (nil if the latest does not).
    func firstTime(where condition: (Set<String>) -> Bool) -> ContinuousClock.Instant? {
        messages.withLock { messages in
            guard let last = messages.last, condition(last.0) else { return nil }
            var time = last.1
            for (ids, arrived) in messages.reversed() {
                guard condition(ids) else { break }
                time = arrived
            }
            return time
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
