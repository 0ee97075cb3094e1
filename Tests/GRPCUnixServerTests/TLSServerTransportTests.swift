import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import NIOSSL
import SteepleTestSupport
import SwiftASN1
import Testing
import X509

#if canImport(Glibc)
import Glibc
#endif

@Suite("TLSServerTransport")
struct TLSServerTransportTests {
    @Test("a client without a certificate is served; its RPCs see an empty chain and its address")
    func noClientCertificate() async throws {
        try await withTLSEchoServer(clientIdentity: nil) { client, recorder, _ in
            #expect(try await client.echo([7]).message == [7])
            let call = try #require(recorder.calls.first)
            let peer = try #require(call.tlsPeer)
            #expect(peer.certificateChain.isEmpty)
            #expect(call.remotePeer.hasPrefix("ipv4:127.0.0.1:"))
            #expect(call.peer == nil)
        }
    }

    @Test("a client certificate is asked for and handed to every RPC as presented, unverified (self-signed here)")
    func clientCertificate() async throws {
        let identity = try TLSTestIdentity(commonName: "client")
        try await withTLSEchoServer(clientIdentity: identity) { client, recorder, _ in
            _ = try await client.echo([1])
            _ = try await client.echo([2])
            #expect(recorder.calls.count == 2)
            for call in recorder.calls {
                #expect(call.tlsPeer?.certificateChain == [identity.certificate])
            }
        }
    }

    @Test("a connection that never starts its TLS handshake is closed at the handshake timeout")
    func silentConnectionClosed() async throws {
        let server = try TLSTestIdentity(commonName: "server")
        var configuration = TLSServerTransport.Configuration(host: "127.0.0.1", port: 0, tls: try server.serverTLS)
        configuration.handshakeTimeout = .milliseconds(500)
        let transport = TLSServerTransport(configuration: configuration)
        let grpc = GRPCServer(transport: transport, services: [EchoService(recorder: Recorder())])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await grpc.serve() }
            try await transport.waitUntilListening()
            let port = try #require(transport.listeningPort)
            let fd = try #require(connectTCPSilently(port: port))
            defer { close(fd) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var byte: UInt8 = 0
            let started = ContinuousClock.now
            let read = recv(fd, &byte, 1, 0)
            // 0: the server closed the connection (a timeout would give -1 after 10 s).
            #expect(read == 0)
            #expect(ContinuousClock.now - started < .seconds(9))
            group.cancelAll()
        }
    }

    @Test("a graceful shutdown closes connections still holding a stream at shutdownGracePeriod, cancelling the RPC")
    func gracefulShutdownEndsHeldStreams() async throws {
        try await withTLSEchoServer(clientIdentity: nil, configure: { $0.shutdownGracePeriod = .milliseconds(300) }) { client, recorder, transport in
            let held = Task { try? await client.fetchFirstThenHold([1]) }
            // Generous waits: under a loaded CI machine a first call can take seconds.
            #expect(await recorder.wait(timeout: .seconds(60)) { $0.calls.count == 1 })
            transport.beginGracefulShutdown()
            // The held RPC is cancelled at the grace period (without it, it would be held until the client left).
            #expect(await recorder.wait(timeout: .seconds(60)) { $0.cancelled == 1 })
            held.cancel()
        }
    }
}

/// A P-256 key and a self-signed certificate for it.
struct TLSTestIdentity {
    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    init(commonName: String) throws {
        key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now - 60,
            notValidAfter: now + 3600,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost")])
            },
            issuerPrivateKey: .init(key))
    }

    var nioCertificate: NIOSSLCertificate {
        get throws {
            try NIOSSLCertificate(bytes: try certificate.serializeAsPEM().derBytes, format: .der)
        }
    }

    var nioKey: NIOSSLPrivateKey {
        get throws { try NIOSSLPrivateKey(bytes: Array(key.derRepresentation), format: .der) }
    }

    var serverTLS: TLSConfiguration {
        get throws {
            TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(try nioCertificate)], privateKey: .privateKey(try nioKey))
        }
    }
}

/// Runs `body` against an echo server on ``TLSServerTransport`` (port chosen by the system) and a stock grpc-swift-2
/// client over TLS, presenting `clientIdentity` when given; the server is cancelled afterwards.
func withTLSEchoServer(
    clientIdentity: TLSTestIdentity?,
    configure: (inout TLSServerTransport.Configuration) -> Void = { _ in },
    _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>, Recorder, TLSServerTransport) async throws -> Void
) async throws {
    let server = try TLSTestIdentity(commonName: "server")
    var configuration = TLSServerTransport.Configuration(host: "127.0.0.1", port: 0, tls: try server.serverTLS)
    configure(&configuration)
    let transport = TLSServerTransport(configuration: configuration)
    let recorder = Recorder()
    let grpc = GRPCServer(transport: transport, services: [EchoService(recorder: recorder)])
    let serverDER = try server.nioCertificate.toDERBytes()
    let clientCertificate = try clientIdentity.map { try $0.nioCertificate.toDERBytes() }
    let clientKey = try clientIdentity.map { Array($0.key.derRepresentation) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await grpc.serve() }
        try await transport.waitUntilListening()
        let port = try #require(transport.listeningPort)
        let security = HTTP2ClientTransport.Posix.TransportSecurity.tls { tls in
            tls.trustRoots = .certificates([.bytes(serverDER, format: .der)])
            tls.serverCertificateVerification = .noHostnameVerification
            if let clientCertificate, let clientKey {
                tls.certificateChain = [.bytes(clientCertificate, format: .der)]
                tls.privateKey = .bytes(clientKey, format: .der)
            }
        }
        try await withGRPCClient(
            transport: try HTTP2ClientTransport.Posix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: security)
        ) { client in
            try await body(client, recorder, transport)
        }
        group.cancelAll()
    }
}
