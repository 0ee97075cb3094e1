public import Logging

/// Runs `body` with a connected ``WorkloadAPIClient``, then closes it.
///
/// ```swift
/// let context = try await withWorkloadAPIClient { client in
///     try await client.fetchX509Context()
/// }
/// ```
///
/// - Parameters:
///   - endpoint: where the Workload API listens; `nil` reads `SPIFFE_ENDPOINT_SOCKET`
///     (``WorkloadAPIEndpoint/fromEnvironment(_:)``), as the spec requires of clients without configuration.
///   - logger: where the client logs; silent by default.
///   - body: the work to do with the client. Watches it opens end when it returns.
/// - Returns: what `body` returns.
/// - Throws: ``WorkloadAPIError`` for a missing or invalid endpoint, or whatever `body` throws.
public func withWorkloadAPIClient<Result: Sendable>(
    endpoint: WorkloadAPIEndpoint? = nil,
    logger: Logger = Logger(label: "spiffe.workloadapi", factory: { _ in SwiftLogNoOpLogHandler() }),
    isolation: isolated (any Actor)? = #isolation,
    _ body: (WorkloadAPIClient) async throws -> Result
) async throws -> Result {
    let client = try WorkloadAPIClient(endpoint: WorkloadAPIEndpoint.explicitOrEnvironment(endpoint), logger: logger)
    return try await withThrowingDiscardingTaskGroup { group in
        group.addTask {
            try await client.run()
        }
        defer { client.close() }
        return try await body(client)
    }
}
