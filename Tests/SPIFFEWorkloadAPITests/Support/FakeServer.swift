import GRPCCore
import GRPCNIOTransportHTTP2
import SPIFFEWorkloadAPI
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A ``FakeWorkloadAPI`` served over a real Unix socket with the stock transport; can be stopped abruptly (as a
/// crashing agent would) and started again on the same path.
final class FakeServer: Sendable {
    let api: FakeWorkloadAPI
    let headers = SecurityHeaderRecorder()
    let path: String
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(api: FakeWorkloadAPI = FakeWorkloadAPI(), path: String = FakeServer.temporaryPath()) {
        self.api = api
        self.path = path
    }

    static func temporaryPath() -> String {
        "/tmp/steeple-wlapi-test-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    var endpoint: WorkloadAPIEndpoint { try! WorkloadAPIEndpoint("unix://" + path) }

    /// Starts serving and returns once the socket listens.
    func start() async throws {
        let transport = HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext)
        let server = GRPCServer(transport: transport, services: [api], interceptors: [headers])
        task.withLock { $0 = Task { try await server.serve() } }
        _ = try await transport.listeningAddress
    }

    /// Stops serving at once: open streams and connections are dropped.
    func stop() async {
        guard let task = task.withLock({ $0.take() }) else { return }
        task.cancel()
        _ = await task.result
    }

    /// Runs `body` with this server started and a client of it running; stops both afterwards.
    func withClient(_ body: (WorkloadAPIClient) async throws -> Void) async throws {
        try await start()
        do {
            try await withWorkloadAPIClient(endpoint: endpoint) { client in try await body(client) }
        } catch {
            await stop()
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        await stop()
        try? FileManager.default.removeItem(atPath: path)
    }
}
