import GRPCCore
import GRPCUnixServer
import Logging

/// The agent's admin socket (`admin_socket_path`, mode 0770 as SPIRE's): the Delegated Identity API (for authorized
/// delegates only), and the Debug and Logger APIs for any process that can open the socket — its file mode and
/// directory are the access control, as in SPIRE.
struct AdminEndpoint: Sendable {
    let socketPath: String
    let services: [any RegistrableRPCService & Sendable]
    /// The RPC metrics when telemetry is configured.
    var interceptors: [any ServerInterceptor] = []
    let logger: Logger

    /// Serves until shutdown. An admin socket that cannot be served (its path held by another running agent, a
    /// directory the agent may not write) is logged as an error and the agent goes on without it: the Workload API
    /// and SDS, which workloads depend on, must not go down with an auxiliary socket.
    func serveOrLog() async {
        do {
            try await serve()
        } catch {
            if Task.isCancelled { return }
            logger.error("Admin APIs stopped: the admin socket is not served; the Workload API is unaffected", metadata: ["address": "\(socketPath)", "error": "\(error)"])
        }
    }

    func serve() async throws {
        var configuration = UnixServerTransport.Configuration(socketPath: socketPath)
        configuration.socketMode = 0o770
        let transport = UnixServerTransport(configuration: configuration, logger: logger)
        let server = GRPCServer(transport: transport, services: services, interceptors: interceptors)
        // SPIRE's message, which its suites wait for.
        logger.info("Starting Admin APIs", metadata: ["address": "\(socketPath)", "network": "unix"])
        do {
            try await server.serve()
        } catch {
            if Task.isCancelled { return }
            throw error
        }
    }
}
