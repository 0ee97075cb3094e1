import ServiceLifecycle

/// Calls `onShutdown` when graceful shutdown begins (SIGTERM, SIGINT). A service group signals its services in reverse
/// order, so this one is listed last to hear first.
struct ShutdownNotice: Service {
    let onShutdown: @Sendable () -> Void

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch is CancellationError {
            return
        }
        onShutdown()
    }
}
