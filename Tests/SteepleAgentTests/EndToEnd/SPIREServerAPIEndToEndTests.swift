import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's server API on a real server's admin socket, driven by a client generated from SPIRE's own protos by
/// PyPI's grpcio-tools (Tests/Interop/spire_server_api_check.py): a spire-controller-manager reconcile whose entry
/// reaches a workload through a real agent, then the Agent, Bundle, SVID and Debug APIs, bad input, and the calls the
/// admin socket refuses.
@Suite("SPIRE server API end to end", .serialized)
struct SPIREServerAPIEndToEndTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spire_server_api_check.py").path
    }

    @Test("SPIRE's own protos (grpcio-tools, Python) on the admin socket: a controller-manager reconcile reaches a workload; Agent, Bundle, SVID, Debug; refusals",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "grpcio-tools not installed; scripts/test installs it"))
    func spireProtosClient() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs grpcio-tools")
        try await TrustDomainFixture.with { fixture in
            let run = try runTool(python, [Self.script, fixture.server.socketPath, fixture.agent.socketPath, fixture.agentID])
            print(run.output)
            #expect(run.status == 0, "spire_server_api_check: \(run.output)")
            // The server kept serving: the CLI (Steeple's admin API, same socket) still answers.
            #expect(try fixture.server.cli(["entry", "count"]).status == 0)
        }
    }

    @Test("steeple-server logger get|set|reset change the running server's level, with SPIRE's output")
    func serverLogger() async throws {
        try await TrustDomainFixture.with { fixture in
            let get = try fixture.server.cli(["logger", "get"])
            #expect(get.status == 0, "\(get.stderr)")
            let launch = try #require(get.stdout.split(separator: "\n").first { $0.hasPrefix("Launch Level : ") }?.dropFirst(15))
            #expect(get.stdout == "Logger Level : \(launch)\nLaunch Level : \(launch)\n\n")
            let set = try fixture.server.cli(["logger", "set", "-level", "trace"])
            #expect(set.stdout == "Logger Level : trace\nLaunch Level : \(launch)\n\n", "\(set.stderr)")
            let json = try fixture.server.cli(["logger", "get", "-output", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["current_level"] as? String == "TRACE")
            let reset = try fixture.server.cli(["logger", "reset"])
            #expect(reset.stdout == "Logger Level : \(launch)\nLaunch Level : \(launch)\n\n", "\(reset.stderr)")
            let bad = try fixture.server.cli(["logger", "set", "-level", "loud"])
            #expect(bad.status != 0 && bad.stderr.contains("the value \"loud\" is not a valid setting"), "\(bad.stderr)")
        }
    }

    static var agentScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spire_agent_check.py").path
    }

    @Test("A stock SPIRE agent's calls over TCP and TLS (grpcio-tools client from SPIRE's protos): join-token attestation, authorized entries, X509 and JWT SVIDs, renewal; next to a Steeple agent",
          .enabled(if: PythonInterop.python != nil || PythonInterop.required, "grpcio-tools not installed; scripts/test installs it"))
    func stockSPIREAgent() async throws {
        let python = try #require(PythonInterop.python, "STEEPLE_PYTHON is not set: run scripts/test, which installs grpcio-tools")
        try await TrustDomainFixture.with { fixture in
            let run = try runTool(python, [Self.agentScript, fixture.server.socketPath, "127.0.0.1", "\(fixture.serverPort)"])
            print(run.output)
            #expect(run.status == 0, "spire_agent_check: \(run.output)")
            // The Steeple agent on its pushed sync is served all along: a new entry for this process reaches it.
            try fixture.createEntry(spiffeID: "spiffe://example.org/after-stock-agent", selectors: ["unix:uid:\(getuid())"])
            let fetched = try await retrying(for: .seconds(10), until: { $0.contains("spiffe://example.org/after-stock-agent") }) {
                (try? fixture.agent.cli(["api", "fetch", "x509"]))?.stdout ?? ""
            }
            #expect(fetched.contains("spiffe://example.org/after-stock-agent"), "\(fetched)")
        }
    }
}
