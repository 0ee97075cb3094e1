import SPIFFE
import SPIFFENIOSSL
import SPIFFETestSupport
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPITestSupport
import Testing
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server end fed by a real `X509Source` watching a (fake) Workload API over a Unix socket.
@Suite("mTLS with an X509Source")
struct X509SourceTests {
    @Test("a Workload API rotation reaches new connections without restarting the listener")
    func rotationThroughWorkloadAPI() async throws {
        let workloadAPI = FakeServer()
        let first = Identities.ca.makeSVID(Identities.server)
        workloadAPI.api.setX509SVID(first, bundle: Identities.ca.bundle)

        try await withTimeout(seconds: 90) {
            try await workloadAPI.serving {
                try await withThrowingTaskGroup { group in
                    let source = try X509Source(endpoint: workloadAPI.endpoint)
                    group.addTask { try await source.run() }
                    _ = try await source.ready()

                    let server = try await EchoServer.start(
                        tls: SPIFFEMTLSServerConfiguration(source: source, authorizer: .id(Identities.client))
                    )
                    let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))
                    let before = try await echoOnce("one", port: server.port, tls: client)
                    #expect(before.serverSerial == first.leaf.serialNumber)
                    #expect(try await server.firstEvents() == [.verified(Identities.client)])

                    let second = Identities.ca.makeSVID(Identities.server)
                    workloadAPI.api.setX509SVID(second, bundle: Identities.ca.bundle)
                    for await context in source.updates() where context.defaultSVID.leaf.serialNumber == second.leaf.serialNumber {
                        break
                    }

                    let after = try await echoOnce("two", port: server.port, tls: client)
                    #expect(after.text == "two")
                    #expect(after.serverSerial == second.leaf.serialNumber)
                    try await server.stop()
                    group.cancelAll()
                }
            }
        }
    }
}
