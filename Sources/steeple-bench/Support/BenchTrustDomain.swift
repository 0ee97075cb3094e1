import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SteepleServerAPIProto
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

    typealias Admin = Steeple_Server_V1_AdminAPI.Client<HTTP2ClientTransport.Posix>

    func withAdmin<T: Sendable>(_ body: (Admin) async throws -> T) async throws -> T {
        try await withGRPCClient(
            transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: server.socketPath), transportSecurity: .plaintext)
        ) { client in
            try await body(Admin(wrapping: client))
        }
    }

    /// Creates entries parented to `parent` (the fleet unless told); returns their IDs.
    static func createEntries(_ admin: Admin, _ entries: [(spiffeID: String, selector: String)], parent: String = fleet) async throws -> [String] {
        var request = Steeple_Server_V1_CreateEntriesRequest()
        request.entries = entries.map { entry in
            var proto = Steeple_Server_V1_Entry()
            proto.spiffeID = entry.spiffeID
            proto.parentID = parent
            let parts = entry.selector.split(separator: ":", maxSplits: 1)
            var selector = Steeple_Server_V1_Selector()
            selector.type = String(parts[0])
            selector.value = String(parts[1])
            proto.selectors = [selector]
            return proto
        }
        let response = try await admin.createEntries(request: ClientRequest(message: request))
        return try response.results.map { result in
            if result.hasStatus, result.status.code != 0 { throw CLIFailure(message: "entry create: \(result.status.message)") }
            return result.entry.id
        }
    }

    static func deleteEntries(_ admin: Admin, _ ids: [String]) async throws {
        var request = Steeple_Server_V1_DeleteEntriesRequest()
        request.ids = ids
        _ = try await admin.deleteEntries(request: ClientRequest(message: request))
    }
}
