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

/// Runs `body` until graceful shutdown cancels it; the cancellation is the normal way out, not a failure (a
/// service that threw would make the whole server exit with an error status).
func untilGracefulShutdown(_ body: @escaping @Sendable () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(body)
    } catch is CancellationError {
        return
    }
}
