import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOCertificateReloading
import NIOSSL
import ServiceLifecycle
import SPIFFE

/// `federation { bundle_endpoint { … } }`: serves this trust domain's bundle as a SPIFFE bundle document to a plain
/// HTTPS `GET /` (SPIFFE Trust Domain and Bundle §5), with `spiffe_refresh_hint` set to the configured hint and
/// `spiffe_sequence` to the bundle's. Answers as SPIRE's endpoint does: another method is 405, another path 404.
/// TLS 1.2 or later; the certificate is the server's X509-SVID (`https_spiffe`) or a Web PKI certificate from files
/// (`https_web`), both through NIO's certificate reloader, so rotations need no restart.
struct BundleEndpointServer: Service {
    /// How long a connection may take to send its request.
    static let requestDeadline: Duration = .seconds(10)

    let configuration: BundleEndpointConfiguration
    let certificates: any CertificateReloader
    /// The body of a `GET /`: ``document(_:refreshHint:)`` of the own bundle as the CA publishes it now.
    let document: @Sendable () -> [UInt8]
    let logger: Logger

    /// The SPIFFE bundle document served for `bundle`, with `spiffe_refresh_hint` set to `refreshHint`.
    static func document(_ bundle: SPIFFEBundle, refreshHint: Duration) -> [UInt8] {
        var bundle = bundle
        bundle.refreshHint = refreshHint
        return bundle.jsonRepresentation
    }

    func run() async throws {
        try await run(onListening: { _ in })
    }

    /// Runs, telling `onListening` the bound port (tests bind port 0).
    func run(onListening: @Sendable (Int) -> Void) async throws {
        var tls = try TLSConfiguration.makeServerConfiguration(certificateReloader: certificates)
        tls.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.address, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        onListening(channel.channel.localAddress?.port ?? configuration.port)
        logger.info("serving bundle endpoint", metadata: [
            "address": "\(configuration.address):\(channel.channel.localAddress?.port ?? configuration.port)",
            "refresh_hint": "\(configuration.refreshHint)",
        ])
        try await untilGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await connection.executeThenClose { inbound, outbound in
                    var head: HTTPRequestHead?
                    for try await part in inbound {
                        switch part {
                        case .head(let requestHead): head = requestHead
                        case .body: break
                        case .end:
                            guard let head else { return }
                            try await answer(head, outbound)
                            return
                        }
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: Self.requestDeadline)
            }
            await group.next()
            group.cancelAll()
            connection.channel.close(promise: nil)
        }
    }

    private func answer(_ head: HTTPRequestHead, _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        guard head.method == .GET else {
            try await respond(outbound, .methodNotAllowed, "text/plain; charset=utf-8", Array("405 method not allowed\n".utf8))
            return
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == "/" else {
            try await respond(outbound, .notFound, "text/plain; charset=utf-8", Array("404 page not found\n".utf8))
            return
        }
        try await respond(outbound, .ok, "application/json", document())
    }

    private func respond(
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        _ status: HTTPResponseStatus,
        _ contentType: String,
        _ body: [UInt8]
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        if status != .ok { headers.add(name: "X-Content-Type-Options", value: "nosniff") }
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
        try await outbound.write(.end(nil))
    }
}

extension BundleEndpointServer {
    /// The endpoint, and for `https_web` the reloader of its certificate files (checked now: a missing or
    /// mismatched file stops the start with its path).
    static func services(
        configuration: BundleEndpointConfiguration,
        serverSVID: ServerSVIDSource,
        bundle: @escaping @Sendable () -> SPIFFEBundle,
        logger: Logger
    ) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        switch configuration.profile {
        case .httpsSPIFFE:
            let server = BundleEndpointServer(configuration: configuration, certificates: serverSVID, document: { document(bundle(), refreshHint: configuration.refreshHint) }, logger: logger)
            return [.init(service: server, serviceName: "bundle-endpoint")]
        case .httpsWeb(let certFilePath, let keyFilePath, let interval):
            let reloader: TimedCertificateReloader
            do {
                reloader = try TimedCertificateReloader.makeReloaderValidatingSources(
                    refreshInterval: interval,
                    certificateSource: .init(location: .file(path: certFilePath), format: .pem),
                    privateKeySource: .init(location: .file(path: keyFilePath), format: .pem),
                    logger: logger
                )
            } catch {
                throw FederationError(
                    "federation.bundle_endpoint profile \"https_web\": cannot load serving_cert_file (cert_file_path \(certFilePath), key_file_path \(keyFilePath)): \(error)"
                )
            }
            let server = BundleEndpointServer(configuration: configuration, certificates: reloader, document: { document(bundle(), refreshHint: configuration.refreshHint) }, logger: logger)
            return [
                .init(service: reloader, serviceName: "bundle-endpoint-certificate"),
                .init(service: server, serviceName: "bundle-endpoint"),
            ]
        }
    }
}
