import Foundation
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPITestSupport
import SteepleTestSupport
import Testing

/// The example executables, each with its own identity from its own (fake) Workload API.
@Suite("mTLS echo examples")
struct ExampleTests {
    @Test("example-mtls-echo-client and -server authorize each other by SPIFFE ID and echo")
    func examplesEcho() async throws {
        let serverAPI = FakeServer()
        let clientAPI = FakeServer()
        serverAPI.api.setX509SVID(Identities.ca.makeSVID(Identities.server), bundle: Identities.ca.bundle)
        clientAPI.api.setX509SVID(Identities.ca.makeSVID(Identities.client), bundle: Identities.ca.bundle)
        let directory = FileManager.default.temporaryDirectory

        try await withTimeout(seconds: 90) {
            try await serverAPI.serving {
                try await clientAPI.serving {
                    let server = try ChildProcess(
                        ["--port", "0", "--client-id", Identities.client.string],
                        executable: try builtExecutable("example-mtls-echo-server"),
                        environment: ["SPIFFE_ENDPOINT_SOCKET": "unix://" + serverAPI.path],
                        in: directory
                    )
                    defer { server.stop() }
                    let banner = try await server.waitForOutput { $0.contains("listening on") }
                    let port = try #require(banner.split(separator: "\n").first { $0.contains("listening on") }?.split(separator: ":").last)

                    let client = try ChildProcess(
                        ["--port", String(port), "--server-id", Identities.server.string, "--message", "hi-example"],
                        executable: try builtExecutable("example-mtls-echo-client"),
                        environment: ["SPIFFE_ENDPOINT_SOCKET": "unix://" + clientAPI.path],
                        in: directory
                    )
                    defer { client.stop() }
                    #expect(try await client.waitForExit(seconds: 90))
                    #expect(client.output.contains("spiffe://example.org/server replied: hi-example"), "client: \(client.output)")
                    let serverOutput = try await server.waitForOutput { $0.contains("hi-example") }
                    #expect(serverOutput.contains("spiffe://example.org/client: hi-example"), "server: \(serverOutput)")
                }
            }
        }
    }
}
