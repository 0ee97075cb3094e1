import Foundation
import SPIFFE
import SPIFFENIOSSL
import Testing

/// One client configuration reused for many connections, as a service reuses it for every call: each connection makes
/// a full mTLS handshake, authorizes the peer and echoes. (This suite replaces an opt-in timing suite that CI always
/// skipped; figures belong to `steeple-bench`, not to tests.)
@Suite("mTLS handshakes in sequence")
struct SequentialHandshakeTests {
    @Test("50 sequential connections with one client configuration: every handshake authorizes the server and echoes")
    func sequentialHandshakes() async throws {
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.server), authorizer: .id(Identities.client))
        )
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))
        for index in 0..<50 {
            let reply = try await echoOnce("ping \(index)", port: server.port, tls: client)
            #expect(reply.text == "ping \(index)", "connection \(index)")
            #expect(reply.serverID == Identities.server, "connection \(index)")
        }
        try await server.stop()
    }
}
