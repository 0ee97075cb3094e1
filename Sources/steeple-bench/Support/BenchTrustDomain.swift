import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SteepleTestSupport

/// A real server and `agentCount` real agents (release binaries next to steeple-bench), all aliased to
/// `spiffe://example.org/fleet` through their join tokens, so that an entry parented to the fleet reaches every agent.
final class BenchTrustDomain: @unchecked Sendable {
    // @unchecked: driven from one benchmark task at a time.
    let server: ServerProcess
    private(set) var agents: [AgentProcess] = []
    let port: Int
    static let fleet = "spiffe://example.org/fleet"

    init(agentCount: Int, serverLines: [String] = [], agentLines: [String] = []) throws {
        port = try freeTCPPort()
        server = try ServerProcess(bindPort: port, extraServerLines: serverLines)
        for _ in 0..<agentCount {
            agents.append(try AgentProcess(serverPort: port, trustBundlePath: server.directory + "/bundle.pem", extraAgentLines: agentLines))
        }
    }

    func start() async throws {
        try await server.start()
        let bundle = try await server.cli(["bundle", "show"])
        try bundle.stdout.write(toFile: server.directory + "/bundle.pem", atomically: true, encoding: .utf8)
        for agent in agents {
            let token = try await server.cli(["token", "generate", "-spiffeID", Self.fleet])
            guard let line = token.stdout.split(separator: "\n").first(where: { $0.hasPrefix("Token: ") }) else {
                throw CLIFailure(message: "token generate: \(token.stderr)")
            }
            try await agent.start(joinToken: String(line.dropFirst(7)))
        }
    }

    func stop() async {
        for agent in agents { _ = try? await agent.stop() }
        _ = try? await server.stop()
        try? FileManager.default.removeItem(atPath: server.directory)
        for agent in agents { try? FileManager.default.removeItem(atPath: agent.directory) }
    }

    typealias Admin = BenchAdminClient

    func withAdmin<T: Sendable>(_ body: (Admin) async throws -> T) async throws -> T {
        try await withBenchAdminClient(socketPath: server.socketPath, body)
    }

    /// Creates entries parented to `parent` (the fleet unless told) through SPIRE's `BatchCreateEntry`; returns their IDs.
    static func createEntries(_ admin: Admin, _ entries: [(spiffeID: String, selector: String)], parent: String = fleet) async throws -> [String] {
        try await admin.createEntries(entries.map { ($0.spiffeID, parent, $0.selector) })
    }
}
