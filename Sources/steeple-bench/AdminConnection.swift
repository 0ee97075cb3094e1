import GRPCCore
import GRPCNIOTransportHTTP2
import SteepleServerAPIProto

/// The server's admin API over its Unix socket (plaintext), as `steeple-server`'s CLI reaches it.
typealias BenchAdminClient = Steeple_Server_V1_AdminAPI.Client<HTTP2ClientTransport.Posix>

func withBenchAdminClient<Result: Sendable>(
    socketPath: String,
    _ body: (BenchAdminClient) async throws -> Result
) async throws -> Result {
    let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
    return try await withGRPCClient(transport: transport) { grpc in
        try await body(BenchAdminClient(wrapping: grpc))
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
            return try await client.health(Steeple_Server_V1_HealthRequest(), options: options).ready
        }
    } catch {
        return false
    }
}
