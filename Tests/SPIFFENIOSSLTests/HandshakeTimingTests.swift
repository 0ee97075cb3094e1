import Foundation
import SPIFFE
import SPIFFENIOSSL
import Testing

/// Prints handshake figures (never asserts times). Run with `SPIFFE_NIOSSL_MEASURE=1`.
@Suite("mTLS handshake timing", .enabled(if: ProcessInfo.processInfo.environment["SPIFFE_NIOSSL_MEASURE"] != nil))
struct HandshakeTimingTests {
    @Test("sequential connect + mTLS handshake + one echo, Swift to Swift over loopback")
    func sequentialHandshakes() async throws {
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.server), authorizer: .id(Identities.client))
        )
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))
        _ = try await echoOnce("warm-up", port: server.port, tls: client)

        let clock = ContinuousClock()
        var samples: [Duration] = []
        for _ in 0..<200 {
            let start = clock.now
            _ = try await echoOnce("ping", port: server.port, tls: client)
            samples.append(clock.now - start)
        }
        samples.sort()
        func ms(_ duration: Duration) -> String {
            String(format: "%.2f ms", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1e3)
        }
        print("mTLS connect+handshake+echo over loopback, \(samples.count) runs: median \(ms(samples[samples.count / 2])), p90 \(ms(samples[samples.count * 9 / 10])), min \(ms(samples[0]))")
        try await server.stop()
    }
}
