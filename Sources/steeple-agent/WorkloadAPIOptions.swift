import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFEWorkloadAPI
import SteepleConfig

/// `-socketPath` and `-timeout`, shared by every command that talks to the agent's Workload API (SPIRE's spelling).
struct WorkloadAPIOptions: ParsableArguments {
    @Option(name: .spire("socketPath"), help: "Path of the agent's Workload API socket.")
    var socketPath: String = "/tmp/spire-agent/public/api.sock"

    @Option(name: .spire("timeout"), help: "How long to wait for an answer, as a Go duration (1s, 500ms).")
    var timeout: String = "5s"

    func endpoint() throws -> WorkloadAPIEndpoint {
        try Self.endpoint(socketPath: socketPath)
    }

    /// The endpoint of a `-socketPath` flag: a file path, so a relative one is taken from the working directory (as
    /// SPIRE's CLI does); only `SPIFFE_ENDPOINT_SOCKET` URIs must be absolute (SPEC §6.7).
    static func endpoint(socketPath: String) throws -> WorkloadAPIEndpoint {
        let absolute = socketPath.hasPrefix("/") ? socketPath : FileManager.default.currentDirectoryPath + "/" + socketPath
        return try WorkloadAPIEndpoint(unixSocketPath: absolute)
    }

    var timeoutDuration: Duration {
        get throws {
            do {
                return try GoDuration.parse(timeout)
            } catch {
                throw ValidationError("-timeout \(timeout) is not a duration: use a form such as 1s, 500ms or 1m")
            }
        }
    }

    /// Runs `body` with a client, failing after the timeout with SPIRE's wording.
    func withClient<T: Sendable>(_ body: @escaping @Sendable (WorkloadAPIClient) async throws -> T) async throws -> T {
        let endpoint = try endpoint()
        let timeout = try timeoutDuration
        return try await withWorkloadAPIClient(endpoint: endpoint) { client in
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body(client) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw CLIFailure("rpc error: timed out after \(timeout) waiting for the agent at \(socketPath)")
                }
                return value
            }
        }
    }
}

/// A failure reported on standard error with exit status 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
