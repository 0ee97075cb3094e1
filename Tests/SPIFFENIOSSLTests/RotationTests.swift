import NIOCore
import SPIFFE
import SPIFFENIOSSL
import SPIFFETestSupport
import Testing
import X509

/// The presented SVID changes with the source, without restarting the listener or dropping connections.
@Suite("SVID rotation")
struct RotationTests {
    @Test("a new connection gets the rotated SVID; an open one stays up and keeps the old one")
    func rotation() async throws {
        let serverSource = Identities.source(Identities.server)
        let first = serverSource.svid()
        let server = try await EchoServer.start(tls: SPIFFEMTLSServerConfiguration(source: serverSource, authorizer: .any))
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))

        try await withTimeout {
            let open = try await connect(port: server.port, tls: client)
            try await open.channel.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                let before = try await exchange("one", connection: open, outbound: outbound, inbound: &iterator)
                #expect(before.serverSerial == first.leaf.serialNumber)

                let second = Identities.ca.makeSVID(Identities.server)
                serverSource.rotate(to: second)

                let fresh = try await echoOnce("two", port: server.port, tls: client)
                #expect(fresh.text == "two")
                #expect(fresh.serverSerial == second.leaf.serialNumber)
                #expect(fresh.serverID == Identities.server)

                let after = try await exchange("three", connection: open, outbound: outbound, inbound: &iterator)
                #expect(after.text == "three")
                #expect(after.serverSerial == first.leaf.serialNumber)
            }
        }
        try await server.stop()
    }
}
