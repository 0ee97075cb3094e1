import GRPCCore
import GRPCUnixServer
import Logging

/// The public socket: the Workload API and Envoy SDS (either may be switched off) on our own gRPC transport on the
/// Unix socket (mode 0777), which hands every call the caller's kernel credentials taken at accept time and tolerates
/// clients that fetch and cancel in a loop.
struct WorkloadEndpoint: Sendable {
    let socketPath: String
    let services: [any RegistrableRPCService & Sendable]
    /// Interceptors that run first (the RPC metrics when telemetry is configured).
    var interceptors: [any ServerInterceptor] = []
    let health: AgentHealth
    let logger: Logger

    /// The caller of a call, as the transport read it from the socket.
    static func caller(of context: ServerContext) -> WorkloadCaller? {
        guard let peer = context.unixPeer else { return nil }
        let credentials = peer.credentials
        var isAlive: (@Sendable () -> Bool)?
        if let process = peer.process {
            isAlive = { process.isAlive() }
        }
        return WorkloadCaller(
            pid: credentials.pid, uid: credentials.uid, gid: credentials.gid,
            supplementaryGroups: credentials.supplementaryGroups, processIsAlive: isAlive)
    }

    func serve() async throws {
        let transport = UnixServerTransport(configuration: .init(socketPath: socketPath), logger: logger)
        let server = GRPCServer(transport: transport, services: services, interceptors: interceptors + [SecurityHeaderInterceptor(), HealthCheckInterceptor(health: health)])
        do {
            try await server.serve()
        } catch {
            // Shutdown cancels serving: the open streams end with it (their clients reconnect to the next agent).
            if Task.isCancelled { return }
            throw error
        }
    }
}
