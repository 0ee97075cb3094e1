import Foundation
import NIOSSL
import SteepleHTTP
import SteepleTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `telemetry { Prometheus { … } Statsd = [ … ] DogStatsd = [ … ] }` in a real server and agent: scrapes over HTTP
/// and datagrams on UDP sockets the test owns show SPIRE's metric names, and the counters move with the work.
@Suite("telemetry end to end", .serialized)
struct TelemetryEndToEndTests {
    @Test("Prometheus scrapes of the server and the agent, StatsD and DogStatsD lines of the agent: SPIRE's names, moving with the work")
    func sinks() async throws {
        let serverMetricsPort = try freeTCPPort()
        let agentMetricsPort = try freeTCPPort()
        let statsd = try UDPCollector()
        let dogStatsd = try UDPCollector()
        let fixture = try TrustDomainFixture(serverBlocks: """
            telemetry {
                Prometheus { host = "127.0.0.1" port = \(serverMetricsPort) }
            }
            """)
        let agentTelemetry = """

            telemetry {
                Prometheus { host = "127.0.0.1" port = \(agentMetricsPort) }
                Statsd = [{ address = "127.0.0.1:\(statsd.port)" }]
                DogStatsd = [{ address = "127.0.0.1:\(dogStatsd.port)" }]
                EnableTrustDomainLabel = true
            }
            """
        try (try String(contentsOfFile: fixture.agent.configPath, encoding: .utf8) + agentTelemetry)
            .write(toFile: fixture.agent.configPath, atomically: true, encoding: .utf8)
        try await TrustDomainFixture.with(fixture) { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/metrics", selectors: ["unix:uid:\(getuid())"])
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            let agent = try await Self.scrape(agentMetricsPort)
            let fetches = try #require(Self.value(agent, "spire_agent_rpc_workload_api_fetch_x509svid", ["status": "OK"]), "\(agent)")
            #expect(fetches >= 1)
            #expect(Self.value(agent, "spire_agent_rpc_workload_api_fetch_x509svid_elapsed_time_count", ["status": "OK"]) == fetches)
            #expect(Self.value(agent, "spire_agent_started", ["version": "0.1.0", "trust_domain_id": "example.org"]) == 1, "\(agent)")
            #expect((Self.value(agent, "spire_agent_uptime_in_ms", [:]) ?? 0) > 0)
            #expect((Self.value(agent, "spire_agent_workload_api_workload_attestation", ["status": "OK"]) ?? 0) >= fetches)
            #expect(Self.value(agent, "spire_agent_manager_sync_fetch_entries_updates", ["status": "OK"]) != nil, "\(agent)")
            // EnableTrustDomainLabel: every series carries the trust domain.
            #expect(agent.split(separator: "\n").filter { $0.hasPrefix("spire_agent_rpc_") }.allSatisfy { $0.contains(#"trust_domain_id="example.org""#) })

            // The counter moves with the work: one more fetch, one more count.
            #expect(try await fixture.agent.cli(["api", "fetch", "x509"]).status == 0)
            let after = try await Self.scrape(agentMetricsPort)
            #expect(Self.value(after, "spire_agent_rpc_workload_api_fetch_x509svid", ["status": "OK"]) == fetches + 1)
            // Gauges are sampled every second.
            let cached = try await Self.eventuallyValue(agentMetricsPort, "spire_agent_lru_cache_svid_map_size", ["svid_type": "X509"]) { $0 >= 1 }
            #expect(cached >= 1)

            let server = try await Self.scrape(serverMetricsPort)
            #expect(Self.value(server, "spire_server_rpc_agent_v1_agent_attest_agent", ["status": "OK"]) == 1, "\(server)")
            #expect((Self.value(server, "spire_server_server_ca_sign_x509_svid", [:]) ?? 0) >= 3, "server, agent and workload SVIDs")
            #expect((Self.value(server, "spire_server_rpc_svid_v1_svid_batch_new_x509svid", ["status": "OK"]) ?? 0) >= 1)
            #expect(Self.value(server, "spire_server_rpc_entry_v1_entry_batch_create_entry", ["status": "OK"]) == 1, "\(server)")
            // A refused call counts with its code, as SPIRE's middleware counts it.
            #expect(try await fixture.server.cli(["entry", "show", "-entryID", "no-such-entry"]).status != 0)
            let refused = try await Self.scrape(serverMetricsPort)
            #expect(Self.value(refused, "spire_server_rpc_entry_v1_entry_get_entry", ["status": "NotFound"]) == 1, "\(refused)")
            let entries = try await Self.eventuallyValue(serverMetricsPort, "spire_server_entry_entries_by_entryid_cache_count", [:]) { $0 >= 1 }
            #expect(entries == 1)
            #expect(try await Self.eventuallyValue(serverMetricsPort, "spire_server_entry_sync_streams", [:]) { $0 == 1 } == 1)

            // StatsD: label values folded into the name; DogStatsD: tags. Both for the same fetches.
            let plain = statsd.lines()
            #expect(plain.contains { $0.hasPrefix("spire_agent.rpc.workload_api.fetch_x509svid.OK.") && $0.hasSuffix(":1|c") }, "\(plain.prefix(20))")
            #expect(plain.contains { $0.hasPrefix("spire_agent.rpc.workload_api.fetch_x509svid.elapsed_time.OK.") && $0.hasSuffix("|ms") })
            let tagged = dogStatsd.lines()
            #expect(tagged.contains { $0.hasPrefix("spire_agent.rpc.workload_api.fetch_x509svid:1|c|#status:OK,") && $0.contains("trust_domain_id:example.org") }, "\(tagged.prefix(20))")
            #expect(tagged.contains { $0.hasPrefix("spire_agent.uptime_in_ms:") && $0.contains("|g") })
        }
    }

    @Test("a Prometheus port already taken stops the agent at start with the port in the message")
    func portTaken() async throws {
        let fixture = try TrustDomainFixture()
        try await TrustDomainFixture.with(fixture) { fixture in
            let taken = try freeTCPPort()
            let holder = try TCPHolder(port: taken)
            defer { holder.close() }
            let second = try AgentProcess(serverPort: fixture.serverPort, trustBundlePath: fixture.bundlePath)
            try (try String(contentsOfFile: second.configPath, encoding: .utf8) + "\ntelemetry { Prometheus { host = \"127.0.0.1\" port = \(taken) } }\n")
                .write(toFile: second.configPath, atomically: true, encoding: .utf8)
            let token = try await fixture.server.cli(["token", "generate"])
            let value = try #require(token.stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7))
            let process = try second.launch(joinToken: String(value))
            let status = try await waitForExit(process, within: .seconds(30))
            #expect(status != nil && status != 0, "the agent kept running with its metrics port taken")
            #expect(second.logText.contains("telemetry.Prometheus cannot listen on 127.0.0.1:\(taken)"), "\(second.logText)")
        }
    }

    // MARK: Helpers

    static func scrape(_ port: Int) async throws -> String {
        let response = try await HTTPGet(url: URL(string: "http://127.0.0.1:\(port)/metrics")!, transport: .network(tls: .makeClientConfiguration())).run()
        try #require(response.status == 200)
        return String(decoding: response.body, as: UTF8.self)
    }

    /// The value of the series `name` whose labels include `labels`, from a Prometheus text exposition.
    static func value(_ text: String, _ name: String, _ labels: [String: String]) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { continue }
            let series = parts[0]
            guard series == name || series.hasPrefix(name + "{") else { continue }
            guard labels.allSatisfy({ series.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            return Double(parts[1])
        }
        return nil
    }

    static func eventuallyValue(_ port: Int, _ name: String, _ labels: [String: String], _ accept: (Double) -> Bool) async throws -> Double {
        var last: Double?
        for _ in 0..<50 {
            last = value(try await scrape(port), name, labels)
            if let last, accept(last) { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("\(name) \(labels) never reached the expected value; last \(String(describing: last))")
        return last ?? -1
    }
}

/// A UDP socket on loopback that collects the datagrams a StatsD sink sends.
final class UDPCollector: @unchecked Sendable {
    let descriptor: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else { throw CLIFailure(message: "cannot bind a UDP socket: errno \(errno)") }
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Every datagram received so far, one line each (a sink may batch several lines in one datagram).
    func lines() -> [String] {
        var result: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard count > 0 else { break }
            result += String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return result
    }

    deinit { close(descriptor) }
}

/// A listening TCP socket on loopback that holds a port.
struct TCPHolder {
    let descriptor: Int32

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let ok = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        } && listen(fd, 1) == 0
        descriptor = fd
        guard ok else { throw CLIFailure(message: "cannot hold port \(port): errno \(errno)") }
    }

    func close() { _ = Glibc.close(descriptor) }
}
