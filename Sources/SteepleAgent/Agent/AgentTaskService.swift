import ServiceLifecycle

/// A long-running agent task as a lifecycle `Service`: runs until graceful shutdown cancels it.
///
/// A task whose work can end for good while the agent must stay up (the server link once the agent is banned: the
/// process stays so that `healthcheck` and Workload API callers are told why) sets `outlivesBody`: when its body
/// returns, the service waits for shutdown instead of returning, since a returning service ends the whole group.
struct AgentTaskService: Service {
    var outlivesBody = false
    let body: @Sendable () async throws -> Void

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await body()
                guard outlivesBody else { return }
                while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
            }
        } catch is CancellationError {
            return
        }
    }
}
