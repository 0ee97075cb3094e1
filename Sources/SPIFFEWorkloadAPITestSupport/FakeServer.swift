import GRPCCore
import GRPCNIOTransportHTTP2
package import SPIFFEWorkloadAPI
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A ``FakeWorkloadAPI`` served over a real Unix socket with the stock transport, behind a
/// ``SecurityHeaderRecorder``; can be stopped abruptly (as a crashing agent would) and started again on the same path.
package final class FakeServer: Sendable {
    package let api: FakeWorkloadAPI
    package let headers = SecurityHeaderRecorder()
    package let path: String
    private let task = Mutex<Task<Void, any Error>?>(nil)

    package init(api: FakeWorkloadAPI = FakeWorkloadAPI(), path: String = FakeServer.temporaryPath()) {
        self.api = api
        self.path = path
    }

    package static func temporaryPath() -> String {
        "/tmp/steeple-wlapi-test-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    package var endpoint: WorkloadAPIEndpoint { try! WorkloadAPIEndpoint("unix://" + path) }

    /// Starts serving and returns once the socket listens.
    package func start() async throws {
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [api], interceptors: [headers])
        task.withLock { $0 = Task { try await server.serve() } }
        _ = try await transport.listeningAddress
    }

    /// Stops serving at once: open streams and connections are dropped.
    package func stop() async {
        guard let task = task.withLock({ $0.take() }) else { return }
        task.cancel()
        _ = await task.result
    }

    /// Runs `body` with this server started; however `body` ends, stops the server and removes its socket file.
    package func serving<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await start()
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await stop()
        try? FileManager.default.removeItem(atPath: path)
        return try result.get()
    }

    /// Runs `body` with this server started and a client of it running; stops both afterwards.
    package func withClient(_ body: (WorkloadAPIClient) async throws -> Void) async throws {
        try await serving {
            try await withWorkloadAPIClient(endpoint: endpoint) { client in try await body(client) }
        }
    }
}
