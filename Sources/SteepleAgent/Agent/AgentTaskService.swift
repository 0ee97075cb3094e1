import ServiceLifecycle

/// A long-running agent task as a lifecycle `Service`: runs until graceful shutdown cancels it.
struct AgentTaskService: Service {
    let body: @Sendable () async throws -> Void

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown(body)
        } catch is CancellationError {
            return
        }
    }
}
