import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFE
import SPIREAPIProto
import SteepleServerAPIProto
import SteepleTestSupport

/// The server's admin socket as `steeple-server`'s CLI reaches it (plaintext gRPC on a Unix socket): SPIRE's Entry
/// and Agent APIs for the benchmarks' writes, and Steeple's health check for readiness.
struct BenchAdminClient: Sendable {
    let entries: Spire_Api_Server_Entry_V1_Entry.Client<HTTP2ClientTransport.Posix>
    let agents: Spire_Api_Server_Agent_V1_Agent.Client<HTTP2ClientTransport.Posix>
    let health: Steeple_Server_V1_AdminAPI.Client<HTTP2ClientTransport.Posix>

    /// Creates entries (`BatchCreateEntry`, one call); returns their IDs in order, or throws the first refusal.
    func createEntries(_ entries: [(spiffeID: String, parentID: String, selector: String)]) async throws -> [String] {
        let (ids, refusals) = try await createEntriesCountingRefusals(entries)
        if let first = refusals.first { throw CLIFailure(message: "entry create: \(first)") }
        return ids
    }

    /// Creates entries (`BatchCreateEntry`, one call); returns the IDs of those created and the messages of those refused.
    func createEntriesCountingRefusals(_ entries: [(spiffeID: String, parentID: String, selector: String)]) async throws -> (ids: [String], refusals: [String]) {
        var request = Spire_Api_Server_Entry_V1_BatchCreateEntryRequest()
        request.entries = try entries.map { entry in
            var proto = Spire_Api_Types_Entry()
            proto.spiffeID = Spire_Api_Types_SPIFFEID(try SPIFFEID(entry.spiffeID))
            proto.parentID = Spire_Api_Types_SPIFFEID(try SPIFFEID(entry.parentID))
            let parts = entry.selector.split(separator: ":", maxSplits: 1)
            var selector = Spire_Api_Types_Selector()
            selector.type = String(parts[0])
            selector.value = parts.count > 1 ? String(parts[1]) : ""
            proto.selectors = [selector]
            return proto
        }
        let response = try await self.entries.batchCreateEntry(request)
        var ids: [String] = []
        var refusals: [String] = []
        for result in response.results {
            if result.status.code == 0 { ids.append(result.entry.id) } else { refusals.append(result.status.message) }
        }
        return (ids, refusals)
    }

    /// Deletes entries by ID (`BatchDeleteEntry`).
    func deleteEntries(_ ids: [String]) async throws {
        var request = Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest()
        request.ids = ids
        _ = try await entries.batchDeleteEntry(request)
    }

    /// A join token (`CreateJoinToken`) valid for `ttl` seconds, optionally with an alias ID for its agent.
    func createJoinToken(ttl: Int32, aliasID: String? = nil) async throws -> String {
        var request = Spire_Api_Server_Agent_V1_CreateJoinTokenRequest()
        request.ttl = ttl
        if let aliasID { request.agentID = Spire_Api_Types_SPIFFEID(try SPIFFEID(aliasID)) }
        return try await agents.createJoinToken(request).value
    }
}

func withBenchAdminClient<Result: Sendable>(
    socketPath: String,
    _ body: (BenchAdminClient) async throws -> Result
) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { grpc in
        try await body(BenchAdminClient(entries: .init(wrapping: grpc), agents: .init(wrapping: grpc), health: .init(wrapping: grpc)))
    }
}

/// One `Health` call that fails fast (no waiting for the connection): true when the server says it is ready,
/// which is what `steeple-server healthcheck` checks.
func serverIsReady(socketPath: String) async -> Bool {
    do {
        return try await withBenchAdminClient(socketPath: socketPath) { client in
            var options = CallOptions.defaults
            options.timeout = .seconds(2)
            options.waitForReady = false
            return try await client.health.health(Steeple_Server_V1_HealthRequest(), options: options).ready
        }
    } catch {
        return false
    }
}
