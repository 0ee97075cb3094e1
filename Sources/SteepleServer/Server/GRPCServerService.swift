import GRPCCore
import ServiceLifecycle

/// Runs a `GRPCServer` as a lifecycle `Service`: serves until graceful shutdown, then lets open RPCs finish.
struct GRPCServerService<Transport: ServerTransport>: Service {
    let server: GRPCServer<Transport>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
