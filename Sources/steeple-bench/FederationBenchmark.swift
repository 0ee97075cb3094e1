import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFEWorkloadAPIProto
import SteepleTestSupport
import Synchronization

/// Issue #15: how long a peer's CA rotation takes to reach the workloads of a federated trust domain by itself. Two
/// release servers (a.test with a bundle endpoint, `refresh_hint` 4 s, and a short `ca_ttl` so that it rotates every
/// few seconds; b.test federating with it over https_spiffe) and one agent each. Every change of a.test's X.509
/// authorities is timed from its arrival on a.test's own workload stream to its arrival, as a federated bundle, on
/// b.test's workload stream.
enum FederationBenchmark {
    static let refreshHint = 4

    static func run(scale: Double, report: MarkdownReport) async throws {
        let events = scale < 1 ? 1 : 6
        let endpoint = try freeTCPPort()
        let portA = try freeTCPPort()
        let portB = try freeTCPPort()
        let a = try ServerProcess(trustDomain: "a.test", bindPort: portA, extraServerLines: [
            #"ca_ttl = "30s""#, #"default_x509_svid_ttl = "5s""#,
            "federation {", "    bundle_endpoint {", #"        address = "127.0.0.1""#, "        port = \(endpoint)", #"        refresh_hint = "\#(refreshHint)s""#, "    }", "}",
        ])
        let b = try ServerProcess(trustDomain: "b.test", bindPort: portB, extraServerLines: [
            "federation {", #"    federates_with "a.test" {"#, #"        bundle_endpoint_url = "https://127.0.0.1:\#(endpoint)""#,
            #"        bundle_endpoint_profile "https_spiffe" { endpoint_spiffe_id = "spiffe://a.test/spire/server" }"#, "    }", "}",
        ])
        let agentA = try AgentProcess(trustDomain: "a.test", serverPort: portA, trustBundlePath: a.directory + "/bundle.pem")
        let agentB = try AgentProcess(trustDomain: "b.test", serverPort: portB, trustBundlePath: b.directory + "/bundle.pem")
        defer {
            for directory in [a.directory, b.directory, agentA.directory, agentB.directory] { try? FileManager.default.removeItem(atPath: directory) }
        }
        do {
            let uid = "unix:uid:\(getuid())"
            for (server, agent, id, extra) in [(a, agentA, "spiffe://a.test/w", [String]()), (b, agentB, "spiffe://b.test/w", ["-federatesWith", "spiffe://a.test"])] {
                try await server.start()
                try await server.cli(["bundle", "show"]).stdout.write(toFile: server.directory + "/bundle.pem", atomically: true, encoding: .utf8)
                let token = try await server.cli(["token", "generate", "-spiffeID", "spiffe://\(server === a ? "a" : "b").test/node"])
                guard let line = token.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Token: ") }) else { throw BenchFailure("token generate: \(token.stderr)") }
                if server === b {
                    let set = try await b.cli(["bundle", "set", "-id", "spiffe://a.test"], stdin: try await a.cli(["bundle", "show"]).stdout)
                    guard set.status == 0 else { throw BenchFailure("bundle set: \(set.stderr)") }
                }
                let created = try await server.cli(["entry", "create", "-parentID", "spiffe://\(server === a ? "a" : "b").test/node", "-spiffeID", id, "-selector", uid] + extra)
                guard created.status == 0 else { throw BenchFailure("entry create: \(created.stderr)") }
                try await agent.start(joinToken: String(line.dropFirst(7)))
            }
            let (own, federated) = try await watch(a: agentA.socketPath, b: agentB.socketPath, events: events)
            // The first set is a.test's bundle before any rotation (b.test had it from the bootstrap): not a change.
            var delays: [Duration] = []
            for (bundle, arrived) in own.sorted(by: { $0.value < $1.value }).dropFirst() {
                if let reached = federated[bundle] { delays.append(reached - arrived) }
            }
            guard !delays.isEmpty else { throw BenchFailure("no rotation of a.test reached b.test's workload") }
            let sample = LatencySample(delays, elapsed: .seconds(1))
            let header = ["change", "refresh_hint", "rotations", "p50 ms", "max ms"]
            let rows = [["a.test's X.509 authorities on its own workload → on b.test's workload", "\(refreshHint) s", String(delays.count), LatencySample.milliseconds(sample.p50), LatencySample.milliseconds(sample.max)]]
            printTable("Federation (a peer's CA rotation reaching the federated trust domain's workloads)", header: header, rows: rows)
            report.add(
                "Federation", intro: "Two release servers and agents on one machine; b.test refreshes a.test's bundle every quarter of its refresh hint (SPIRE's rhythm, at least 1 s), then pushes it to its agents at once. The figure is bounded by that interval.",
                header: header, rows: rows)
            _ = try? await agentA.stop(); _ = try? await agentB.stop(); _ = try? await a.stop(); _ = try? await b.stop()
        } catch {
            _ = try? await agentA.stop(); _ = try? await agentB.stop(); _ = try? await a.stop(); _ = try? await b.stop()
            throw error
        }
    }

    /// Watches both workloads' FetchX509SVID streams until `events` new sets of a.test authorities have reached both;
    /// returns when each set first arrived on each side (keyed by a hash of the DER).
    static func watch(a: String, b: String, events: Int) async throws -> (own: [String: ContinuousClock.Instant], federated: [String: ContinuousClock.Instant]) {
        let own = FirstArrivals()
        let federated = FirstArrivals()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await stream(a, own) { $0.svids.first?.bundle } }
            group.addTask { try await stream(b, federated) { $0.federatedBundles["spiffe://a.test"] } }
            let deadline = ContinuousClock.now + .seconds(40 * events + 60)
            while ContinuousClock.now < deadline {
                let seen = own.all.keys.filter { federated.all[$0] != nil }.count
                if seen > events { break }  // the first set seen is the bundle before any rotation
                try await Task.sleep(for: .milliseconds(100))
            }
            group.cancelAll()
        }
        return (own.all, federated.all)
    }

    /// Records the first arrival of each distinct value `extract` returns on `socket`'s FetchX509SVID stream,
    /// reopening the stream while the workload has no SVID yet.
    static func stream(_ socket: String, _ arrivals: FirstArrivals, _ extract: @escaping @Sendable (WorkloadAPI_X509SVIDResponse) -> Data?) async throws {
        while !Task.isCancelled {
            do {
                try await withGRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)) { client in
                    try await WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: client).fetchX509SVID(
                        request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: WorkloadAPIBenchmarks.header)
                    ) { response in
                        for try await message in response.messages {
                            if let data = extract(message) { arrivals.record(SHA256.hash(data: data).description) }
                        }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}

/// The first time each value was seen.
final class FirstArrivals: Sendable {
    private let seen = Mutex<[String: ContinuousClock.Instant]>([:])
    func record(_ key: String) {
        let now = ContinuousClock.now
        seen.withLock { if $0[key] == nil { $0[key] = now } }
    }
    var all: [String: ContinuousClock.Instant] { seen.withLock { $0 } }
}
