import Foundation
import SPIFFE
import SPIFFENIOSSL
import SPIFFETestSupport
import SteepleTestSupport
import Testing

/// The Swift ends against real `openssl s_client` / `s_server` processes presenting TestCA-made SVIDs from PEM files.
@Suite("mTLS interop with openssl", .enabled(if: ChildProcess.hasOpenSSL, "needs /usr/bin/openssl"))
struct OpenSSLInteropTests {
    /// Runs `openssl s_client` with `svid` against a Swift server that authorizes only `Identities.client`;
    /// returns what the server saw and what s_client printed.
    private func runClient(presenting svid: X509SVID, message: String) async throws -> (ServerEvent, String, [String]) {
        let rejections = RejectionLog()
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(
                source: Identities.source(Identities.server),
                authorizer: .id(Identities.client),
                logger: rejections.logger
            ),
            closeAfterEcho: true
        )
        let files = try PEMFiles(svid: svid, bundle: Identities.ca.bundle)
        defer { files.remove() }
        let client = try ChildProcess(
            [
                "s_client", "-connect", "127.0.0.1:\(server.port)",
                "-cert", "svid.pem", "-key", "key.pem", "-CAfile", "bundle.pem",
                "-verify_return_error", "-quiet",
            ],
            in: files.directory
        )
        defer { client.stop() }
        client.send(message + "\n")
        let output = try await client.waitForOutput { $0.contains(message) }
        let event = try await server.firstEvents()[0]
        _ = try await client.waitForExit()
        try await server.stop()
        return (event, output, event.isFailure ? try await rejections.recordedCodes() : [])
    }

    @Test("the Swift server accepts openssl s_client presenting an authorized SVID, and echoes")
    func serverAcceptsOpenSSLClient() async throws {
        let (event, output, _) = try await runClient(presenting: Identities.ca.makeSVID(Identities.client), message: "hello-openssl")
        #expect(event == .verified(Identities.client))
        #expect(output.contains("hello-openssl"), "s_client output: \(output)")
    }

    @Test("the Swift server refuses openssl s_client presenting an SVID of another trust domain")
    func serverRefusesForeignOpenSSLClient() async throws {
        let (event, output, codes) = try await runClient(
            presenting: Identities.otherCA.makeSVID(Identities.foreignClient),
            message: "hello-foreign"
        )
        #expect(event.isFailure)
        #expect(codes == ["noBundleForTrustDomain"])
        #expect(!output.contains("hello-foreign"))
    }

    @Test("the Swift server refuses openssl s_client presenting an unauthorized ID")
    func serverRefusesUnauthorizedOpenSSLClient() async throws {
        let (event, output, codes) = try await runClient(presenting: Identities.ca.makeSVID(Identities.intruder), message: "hello-intruder")
        #expect(event.isFailure)
        #expect(codes == ["idNotAuthorized"])
        #expect(!output.contains("hello-intruder"))
    }

    @Test("the Swift server refuses openssl s_client presenting no certificate")
    func serverRefusesOpenSSLClientWithoutCertificate() async throws {
        let server = try await EchoServer.start(
            tls: SPIFFEMTLSServerConfiguration(source: Identities.source(Identities.server), authorizer: .any),
            closeAfterEcho: true
        )
        let files = try PEMFiles(svid: Identities.ca.makeSVID(Identities.client), bundle: Identities.ca.bundle)
        defer { files.remove() }
        let client = try ChildProcess(
            ["s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", "bundle.pem", "-verify_return_error", "-quiet"],
            in: files.directory
        )
        defer { client.stop() }
        client.send("hello-anonymous\n")
        #expect(try await server.firstEvents()[0].isFailure)
        _ = try await client.waitForExit()
        #expect(!client.output.contains("hello-anonymous"))
        try await server.stop()
    }

    /// Starts `openssl s_server -rev` (replies with each line reversed) presenting the SVID in `files` and requiring a client
    /// certificate that verifies against example.org's bundle; returns it and its port.
    private func startServer(files: PEMFiles) async throws -> (ChildProcess, Int) {
        let server = try ChildProcess(
            [
                "s_server", "-accept", "127.0.0.1:0", "-naccept", "1",
                "-cert", "svid.pem", "-key", "key.pem", "-CAfile", "bundle.pem",
                "-Verify", "1", "-verify_return_error", "-rev",
            ],
            in: files.directory
        )
        let output = try await server.waitForOutput { $0.contains("ACCEPT 127.0.0.1:") }
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT 127.0.0.1:") }),
            let port = Int(line.split(separator: ":").last ?? "")
        else {
            server.stop()
            throw OpenSSLFailed(output: output)
        }
        return (server, port)
    }

    struct OpenSSLFailed: Error {
        let output: String
    }

    @Test("the Swift client completes mTLS with openssl s_server -Verify 1 and data echoes")
    func clientAgainstOpenSSLServer() async throws {
        let files = try PEMFiles(svid: Identities.ca.makeSVID(Identities.server), bundle: Identities.ca.bundle)
        defer { files.remove() }
        let (server, port) = try await startServer(files: files)
        defer { server.stop() }
        let client = SPIFFEMTLSClientConfiguration(source: Identities.source(Identities.client), authorizer: .id(Identities.server))

        let reply = try await echoOnce("hello-swift\n", port: port, tls: client)

        #expect(reply.text.trimmingCharacters(in: .whitespacesAndNewlines) == "tfiws-olleh")
        #expect(reply.serverID == Identities.server)
    }

    @Test("the Swift client refuses openssl s_server presenting an unauthorized ID")
    func clientRefusesUnauthorizedOpenSSLServer() async throws {
        let files = try PEMFiles(svid: Identities.ca.makeSVID(Identities.intruder), bundle: Identities.ca.bundle)
        defer { files.remove() }
        let (server, port) = try await startServer(files: files)
        defer { server.stop() }
        let rejections = RejectionLog()
        let client = SPIFFEMTLSClientConfiguration(
            source: Identities.source(Identities.client),
            authorizer: .id(Identities.server),
            logger: rejections.logger
        )

        await #expect(throws: (any Error).self) { try await echoOnce("hello-swift\n", port: port, tls: client) }
        #expect(try await rejections.recordedCodes() == ["idNotAuthorized"])
    }
}
