import Foundation
import SteepleTestSupport
import Testing

/// `log_format = "json"` in the real processes: every line either writes is one JSON object as SPIRE's logrus writes
/// it, from start-up to a graceful stop.
@Suite("log_format = json end to end", .serialized)
struct JSONLogEndToEndTests {
    static let levels: Set<String> = ["trace", "debug", "info", "warning", "error"]

    /// Each line of `log` as a JSON object with logrus's keys; records an issue naming the line when it is not.
    static func objects(_ log: String, of process: String) -> [[String: Any]] {
        var objects: [[String: Any]] = []
        for line in log.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8))
            guard let object = parsed as? [String: Any] else {
                Issue.record("\(process) wrote a line that is not a JSON object: \(line)")
                continue
            }
            #expect(levels.contains(object["level"] as? String ?? ""), "level of \(line)")
            #expect((object["msg"] as? String)?.isEmpty == false, "msg of \(line)")
            let time = object["time"] as? String ?? ""
            #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)/) != nil, "time of \(line)")
            #expect(object["logger"] is String, "logger of \(line)")
            objects.append(object)
        }
        #expect(log.isEmpty || log.hasSuffix("\n"), "\(process)'s log ends in the middle of a line")
        return objects
    }

    @Test("every line the agent and the server write to stderr is a logrus JSON object; fields are top-level keys")
    func jsonLines() async throws {
        let fixture = try TrustDomainFixture(
            serverLines: [#"log_format = "json""#],
            agentLines: [#"log_format = "json""#, #"log_level = "DEBUG""#, #"availability_target = "24h""#])
        try await TrustDomainFixture.with(fixture) { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/json-logs", selectors: ["unix:uid:\(getuid())"])
            let fetched = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            #expect(fetched.stdout.contains("spiffe://example.org/json-logs"))
            #expect(try await fixture.agent.stop() == 0)
            #expect(try await fixture.server.stop() == 0)

            let agent = Self.objects(fixture.agent.logText, of: "steeple-agent")
            let attested = agent.first { $0["msg"] as? String == "Node attestation was successful" }
            #expect(attested?["level"] as? String == "info")
            #expect(attested?["spiffe_id"] as? String == fixture.agentID)
            #expect(attested?["logger"] as? String == "steeple-agent")
            let ignored = agent.first { $0["msg"] as? String == "configuration key has no effect in Steeple" }
            #expect(ignored?["level"] as? String == "warning")
            #expect(ignored?["key"] as? String == "agent.availability_target")
            #expect(agent.contains { $0["level"] as? String == "debug" }, "log_level = DEBUG applies with JSON too")
            #expect(agent.count >= 4, "\(agent.count) agent lines")

            let server = Self.objects(try String(contentsOfFile: fixture.server.log, encoding: .utf8), of: "steeple-server")
            #expect(server.count >= 2, "\(server.count) server lines")
        }
    }

    @Test("-logFormat json on the command line takes precedence over log_format = \"text\" in the file")
    func flag() async throws {
        // No server listens on the port: the agent only gets as far as its start-up lines (the warning about
        // availability_target first) and the failed attestation.
        let agent = try AgentProcess(
            serverPort: try freeTCPPort(), trustBundlePath: nil, extraAgentLines: [#"log_format = "text""#, #"availability_target = "24h""#])
        agent.runArguments = ["-logFormat", "json"]
        try agent.launch(joinToken: "unused")
        let deadline = ContinuousClock.now + .seconds(20)
        while !agent.logText.contains("\n"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = try await agent.stop()
        let objects = Self.objects(agent.logText, of: "steeple-agent")
        #expect(objects.first?["key"] as? String == "agent.availability_target", "log:\n\(agent.logText)")
    }
}
