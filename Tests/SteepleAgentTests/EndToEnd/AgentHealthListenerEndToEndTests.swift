import Foundation
import NIOSSL
import SteepleHTTP
import SteepleTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `health_checks { listener_enabled = true … }` in a real agent process, asked over HTTP from this process: live and
/// ready once attested and synced; live but not ready while restarted with its server down; ready again once the
/// server is back; a taken port stops the agent before it spends its join token.
@Suite("agent health listener end to end", .serialized)
struct AgentHealthListenerEndToEndTests {
    @Test("/live and /ready: 200 once synced; restarted with the server down, live but 500 (with why) until the server is back")
    func liveAndReady() async throws {
        let healthPort = try freeTCPPort()
        let fixture = try TrustDomainFixture()
        try Self.enableHealthChecks(fixture.agent, port: healthPort)
        try await TrustDomainFixture.with(fixture) { fixture in
            let ready = try await Self.poll(healthPort, "/ready") { $0.status == 200 }
            #expect(ready.map(Self.text) == #"{"ready":true,"agent":"ok","sync":"ok"}"#, "\(ready.map(Self.text) ?? "no answer")")
            let live = try await Self.get(healthPort, "/live")
            #expect(live.status == 200)
            #expect(Self.text(live) == #"{"live":true}"#)
            #expect(try await Self.get(healthPort, "/elsewhere").status == 404)
            let post = try await runTool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "http://127.0.0.1:\(healthPort)/live"])
            #expect(post.output == "405")
            #expect(fixture.agent.logText.contains("Serving health checks"), "\(fixture.agent.logText)")

            // Both gone at once; the agent comes back alone, re-using its saved SVID, with nothing to sync from.
            try await Self.killAndReap(fixture.agent.pid) { try await fixture.agent.stop() }
            try await Self.killAndReap(fixture.server.pid) { try await fixture.server.stop() }
            try fixture.agent.launch(joinToken: nil)
            let liveAgain = try await Self.poll(healthPort, "/live") { $0.status == 200 }
            #expect(liveAgain?.status == 200, "the restarted agent's /live never answered 200")
            // Asked until the agent has tried the server and failed; never ready meanwhile, and it says why.
            var answers: [HTTPGet.Response] = []
            let failed = try await Self.poll(healthPort, "/ready") { response in
                answers.append(response)
                return Self.text(response).contains("disconnected from the server")
            }
            #expect(failed != nil, "the agent never reported the lost server: \(answers.last.map(Self.text) ?? "no answer")")
            #expect(!answers.isEmpty && answers.allSatisfy { $0.status == 500 }, "\(answers.map { "\($0.status) \(Self.text($0))" })")
            let last = try #require(answers.last)
            #expect(Self.text(last).hasPrefix(#"{"ready":false,"agent":"ok","sync":"the agent has not received its entries from the server yet ("#), "\(Self.text(last))")
            #expect(fixture.agent.logText.contains("re-using the saved agent SVID"))
            #expect(try await Self.get(healthPort, "/live").status == 200)

            // The server is back: the agent reconnects, syncs and is ready.
            try await fixture.server.start()
            let readyAgain = try await Self.poll(healthPort, "/ready", timeout: .seconds(30)) { $0.status == 200 }
            #expect(readyAgain.map(Self.text) == #"{"ready":true,"agent":"ok","sync":"ok"}"#, "\(readyAgain.map(Self.text) ?? "no answer")")

            // SIGKILL: a child of the test runner may ignore SIGTERM.
            try await Self.killAndReap(fixture.agent.pid) { try await fixture.agent.stop() }
            try await Self.killAndReap(fixture.server.pid) { try await fixture.server.stop() }
        }
    }

    @Test("a health port already taken stops the agent at start, naming the address and port, before it spends its join token")
    func portTaken() async throws {
        try await TrustDomainFixture.with { fixture in
            let taken = try freeTCPPort()
            let holder = try TCPHolder(port: taken)
            let second = try AgentProcess(serverPort: fixture.serverPort, trustBundlePath: fixture.bundlePath)
            try Self.enableHealthChecks(second, port: taken)
            let token = try await fixture.server.cli(["token", "generate"])
            let value = String(try #require(token.stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7)))
            let process = try second.launch(joinToken: value)
            let status = try #require(try await waitForExit(process, within: .seconds(30)), "the agent kept running with its health port taken")
            #expect(status != 0)
            #expect(second.logText.contains("health_checks cannot listen on 127.0.0.1:\(taken)"), "\(second.logText)")
            #expect(!second.logText.contains("Node attestation was successful"), "\(second.logText)")

            // The token is still good: with the port free, the same agent attests with it and serves health.
            holder.close()
            try await second.start(joinToken: value)
            #expect(second.logText.contains("Node attestation was successful"))
            let ready = try await Self.poll(taken, "/ready") { $0.status == 200 }
            #expect(ready?.status == 200)
            try await Self.killAndReap(second.pid) { try await second.stop() }
        }
    }

    // MARK: Helpers

    /// Adds `health_checks` on 127.0.0.1:`port` to the agent's file.
    static func enableHealthChecks(_ agent: AgentProcess, port: Int) throws {
        let block = """

            health_checks {
                listener_enabled = true
                bind_address = "127.0.0.1"
                bind_port = "\(port)"
            }
            """
        try (try String(contentsOfFile: agent.configPath, encoding: .utf8) + block).write(toFile: agent.configPath, atomically: true, encoding: .utf8)
    }

    /// SIGKILL, then `reap` (the process object's stop, which finds it gone).
    static func killAndReap(_ pid: Int32?, reap: () async throws -> Int32) async throws {
        guard let pid else { return }
        _ = kill(pid, SIGKILL)
        _ = try await reap()
    }

    static func get(_ port: Int, _ path: String) async throws -> HTTPGet.Response {
        var request = HTTPGet(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, transport: .network(tls: .makeClientConfiguration()))
        request.timeout = .seconds(5)
        return try await request.run()
    }

    /// Asks every 100 ms until `done` holds of an answer (returned) or `timeout` passes (nil); a refused connection
    /// counts as no answer.
    static func poll(_ port: Int, _ path: String, timeout: Duration = .seconds(20), until done: (HTTPGet.Response) -> Bool) async throws -> HTTPGet.Response? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let response = try? await get(port, path), done(response) { return response }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func text(_ response: HTTPGet.Response) -> String {
        String(decoding: response.body, as: UTF8.self)
    }
}
