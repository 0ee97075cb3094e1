import Foundation
import SPIFFE
import SPIFFENIOSSL
import SPIFFETestSupport
import SPIFFEWorkloadAPITestSupport
import SteepleTestSupport
import Testing

/// The Swift ends against py-spiffe's `spiffe-tls` (pyOpenSSL), with its identity from an `X509Source` on a fake
/// Workload API. scripts/test installs it into `.build/interop-venv` and sets `STEEPLE_PYTHON`.
@Suite("mTLS interop with Python spiffe-tls", .enabled(if: PythonPeer.python != nil || PythonPeer.required))
struct PythonInteropTests {
    @Test("the Swift server accepts a spiffe-tls client it authorizes, and echoes")
    func swiftServerPythonClient() async throws {
        let rejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(
                source: Identities.source(Identities.server),
                authorizer: .id(Identities.client),
                logger: rejections.logger
            ),
            closeAfterEcho: true
        )
        let output = try await PythonPeer.run(
            as: Identities.client,
            ["client", "127.0.0.1:\(server.port)", Identities.server.string, "hello-python"]
        ) { _ in }
        #expect(output.contains("REPLY hello-python"), "spiffe-tls: \(output)")
        #expect(try await server.firstEvents() == [.verified(Identities.client)])
        try await server.stop()
    }

    @Test("the Swift server refuses a spiffe-tls client it does not authorize")
    func swiftServerRefusesPythonClient() async throws {
        let rejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(
                source: Identities.source(Identities.server),
                authorizer: .id(Identities.client),
                logger: rejections.logger
            )
        )
        let output = try await PythonPeer.run(
            as: Identities.intruder,
            ["client", "127.0.0.1:\(server.port)", Identities.server.string, "hello-python"]
        ) { _ in }
        #expect(!output.contains("REPLY"), "spiffe-tls: \(output)")
        #expect(try await server.firstEvents().first?.isFailure == true)
        #expect(try await rejections.recordedCodes() == ["idNotAuthorized"])
        try await server.stop()
    }

    @Test("the Swift client completes mTLS with a spiffe-tls server and each reads the other's ID")
    func swiftClientPythonServer() async throws {
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))
        let output = try await PythonPeer.run(as: Identities.server, ["server", Identities.client.string]) { process in
            let banner = try await process.waitForOutput { $0.contains("LISTENING ") || $0.contains("FAIL") }
            let port = try #require(banner.split(separator: "\n").first { $0.hasPrefix("LISTENING ") }?.split(separator: " ").last)
            let reply = try await echoOnce("hello-swift", port: Int(port)!, tls: client)
            #expect(reply.text == "hello-swift")
            #expect(reply.serverID == Identities.server)
        }
        #expect(output.contains("PEER \(Identities.client.string)"), "spiffe-tls: \(output)")
    }
}

enum PythonPeer {
    static var python: String? { InteropEnvironment.python }
    static var required: Bool { InteropEnvironment.required }
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spiffetls_peer.py").path
    }

    /// Runs the spiffe-tls peer with an SVID for `id` served by a fake Workload API, calls `body` while it runs,
    /// and returns its output once it exits.
    static func run(
        as id: SPIFFEID,
        _ arguments: [String],
        _ body: @escaping @Sendable (ChildProcess) async throws -> Void
    ) async throws -> String {
        let python = try #require(python, "STEEPLE_PYTHON is not set: run scripts/test, which installs spiffe-tls")
        let workloadAPI = FakeServer()
        workloadAPI.api.setX509SVID(Identities.ca.makeSVID(id), bundle: Identities.ca.bundle)
        return try await withTimeout(seconds: 90) {
            try await workloadAPI.serving {
                let process = try ChildProcess(
                    [script] + arguments,
                    executable: python,
                    environment: ["SPIFFE_ENDPOINT_SOCKET": "unix://" + workloadAPI.path],
                    in: FileManager.default.temporaryDirectory
                )
                defer { process.stop() }
                try await body(process)
                _ = try await process.waitForExit(seconds: 90)
                return process.output
            }
        }
    }
}
