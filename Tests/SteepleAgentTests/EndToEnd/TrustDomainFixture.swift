import Foundation
import SteepleTestSupport
import Testing

/// A server and an attested agent, both real processes, with the Workload API socket ready.
final class TrustDomainFixture: @unchecked Sendable {
    let server: ServerProcess
    let agent: AgentProcess
    let serverPort: Int
    let bundlePath: String
    private(set) var agentID = ""

    /// Without arguments: join_token attestation on both sides. `agentNodeAttestor` set means the agent attests with
    /// it instead of a token. `serverLines` and `agentLines` go into the `server { }` and `agent { }` blocks; `agentJoinTokenBlock: false` leaves
    /// `NodeAttestor "join_token"` out of the agent's file (it still attests with the token it is given).
    init(trustDomain: String = "example.org", serverLines: [String] = [], serverPlugins: String = #"NodeAttestor "join_token" {}"#, serverBlocks: String = "", agentNodeAttestor: String? = nil, agentLines: [String] = [], agentJoinTokenBlock: Bool = true, agentBundleFormat: String = "pem", agentPlugins: [String] = []) throws {
        serverPort = try freeTCPPort()
        self.trustDomain = trustDomain
        server = try ServerProcess(trustDomain: trustDomain, bindPort: serverPort, extraServerLines: serverLines, plugins: serverPlugins, extraBlocks: serverBlocks)
        bundlePath = server.directory + "/bundle.pem"
        usesJoinToken = agentNodeAttestor == nil
        self.agentBundleFormat = agentBundleFormat
        agent = try AgentProcess(trustDomain: trustDomain, serverPort: serverPort, trustBundlePath: bundlePath, nodeAttestor: agentNodeAttestor ?? (agentJoinTokenBlock ? #"NodeAttestor "join_token" {}"# : ""), extraPlugins: agentPlugins, extraAgentLines: agentLines)
    }

    let trustDomain: String
    let usesJoinToken: Bool
    /// `-format` of the `bundle show` written to ``bundlePath``: `pem`, or `spiffe` for an agent with `trust_bundle_format = "spiffe"`.
    let agentBundleFormat: String

    /// Starts the server, writes its bundle for the agent's bootstrap, issues a join token and starts the agent.
    func start() async throws {
        try await server.start()
        let bundle = try await server.cli(["bundle", "show", "-format", agentBundleFormat])
        try #require(bundle.status == 0, "bundle show: \(bundle.stderr)")
        try bundle.stdout.write(toFile: bundlePath, atomically: true, encoding: .utf8)
        guard usesJoinToken else {
            try await agent.start(joinToken: nil)
            let line = try #require(agent.logText.split(separator: "\n").first { $0.contains("Node attestation was successful") })
            let id = try #require(line.split(separator: " ").first { $0.hasPrefix("spiffe_id=") })
            agentID = String(id.dropFirst("spiffe_id=".count))
            return
        }
        let token = try await server.cli(["token", "generate"])
        let value = try #require(token.stdout.split(separator: "\n").first { $0.hasPrefix("Token: ") }?.dropFirst(7))
        agentID = "spiffe://\(trustDomain)/spire/agent/join_token/\(value)"
        try await agent.start(joinToken: String(value))
    }

    /// `entry create` parented to the agent; returns the entry ID.
    @discardableResult
    func createEntry(spiffeID: String, selectors: [String], extra: [String] = []) async throws -> String {
        let output = try await server.cli(["entry", "create", "-parentID", agentID, "-spiffeID", spiffeID] + selectors.flatMap { ["-selector", $0] } + extra)
        try #require(output.status == 0, "entry create: \(output.stderr)")
        let line = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("Entry ID") })
        return String(line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces))
    }

    func stop() async {
        _ = try? await agent.stop()
        _ = try? await server.stop()
    }

    /// Runs `body` with both processes started, stopping them afterwards and printing the logs on failure.
    static func with(_ fixture: TrustDomainFixture? = nil, _ body: (TrustDomainFixture) async throws -> Void) async throws {
        let fixture = try fixture ?? TrustDomainFixture()
        do {
            try await fixture.start()
            try await body(fixture)
            await fixture.stop()
        } catch {
            print("--- server log\n" + ((try? String(contentsOfFile: fixture.server.log, encoding: .utf8)) ?? ""))
            print("--- agent log\n" + fixture.agent.logText)
            await fixture.stop()
            throw error
        }
    }
}
