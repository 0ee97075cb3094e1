public import GRPCCore
public import Logging
public import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A gRPC server transport on TCP with TLS in which a client certificate is optional: the handshake asks for one,
/// accepts a client that has none, and hands whatever chain was presented to every RPC (``TLSPeer``) unverified,
/// for the application to authenticate per call against the trust it holds at that moment.
///
/// grpc-swift-nio-transport's TLS server either requires a client certificate or never asks for one, and a SPIRE
/// agent calls `AttestAgent` with no certificate at all, then every other agent call with its SVID, on one port.
/// Everything after TLS (HTTP/2, the gRPC codec, graceful shutdown, idle and silent connections) is what
/// ``UnixServerTransport`` does. Also closes connections whose handshake does not finish within
/// ``Configuration/handshakeTimeout`` and finds vanished peers with TCP keepalive.
///
/// Not supported: compression (a compressed request fails with `unimplemented`), server-initiated HTTP/2 pings
/// (TCP keepalive does their job; client pings are answered).
public struct TLSServerTransport: ServerTransport {
    public typealias Bytes = [UInt8]

    public let configuration: Configuration
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let state: TransportState

    /// `eventLoopGroup` defaults to NIO's shared `MultiThreadedEventLoopGroup.singleton`.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "steeple.grpc-tls-server"),
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.configuration = configuration
        self.state = TransportState(gracePeriod: configuration.shutdownGracePeriod.map(TimeAmount.init))
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
    }

    public func configure(context: GRPCServerContext) {
        state.configure(context)
    }

    /// Returns once the port is bound and accepting; throws if the transport stopped or failed first.
    public func waitUntilListening() async throws {
        try await state.waitUntilListening()
    }

    /// The port the listener is bound to (the one the system chose when ``Configuration/port`` is 0); nil unless
    /// listening.
    public var listeningPort: Int? {
        state.inner.withLock { inner in
            guard case .listening(let channel) = inner.phase else { return nil }
            return channel.localAddress?.port
        }
    }

    public func listen(
        streamHandler: @escaping @Sendable (
            _ stream: RPCStream<Inbound, Outbound>,
            _ context: ServerContext
        ) async -> Void
    ) async throws {
        let address = "\(configuration.host):\(configuration.port)"
        try await state.listen(
            listening: ["address": "\(address)", "max_connections": "\(connectionCapacity)"],
            localPeer: address,
            logger: logger,
            bind: { (try await bind(), {}) },
            streamHandler: streamHandler)
    }

    /// Stops accepting connections, sends GOAWAY on every connection and closes each once its streams have
    /// ended, or at ``Configuration/shutdownGracePeriod`` with the streams still open (their RPCs are cancelled);
    /// `listen` returns when the last one is closed.
    public func beginGracefulShutdown() {
        state.beginGracefulShutdown()
    }

    private var connectionCapacity: Int {
        // A TCP connection costs one descriptor: no pidfd is taken for a remote peer. (Two, as on the Unix socket, had
        // capped a server at 8,750 agents under a 20,000-descriptor limit.)
        configuration.maxConnections
            ?? AcceptGate.openFileLimit().map { AcceptGate.capacity(openFileLimit: $0, descriptorsPerConnection: 1) } ?? Int.max
    }

    private func bind() async throws -> NIOAsyncChannel<AcceptedConnection, Never> {
        var tls = configuration.tls
        tls.applicationProtocols = ["h2"]
        tls.certificateVerification = .optionalVerification
        // NIOSSL's server default admits TLS 1.0; grpc-swift-nio-transport, which this replaces, required 1.2.
        if tls.minimumTLSVersion == .tlsv1 || tls.minimumTLSVersion == .tlsv11 { tls.minimumTLSVersion = .tlsv12 }
        let sslContext = try NIOSSLContext(configuration: tls)
        let http2 = ConnectionServing.http2Configuration(
            maxConcurrentStreams: configuration.maxConcurrentStreamsPerConnection,
            streamWindowBytes: configuration.streamWindowBytes,
            maxResetStreamsPerWindow: configuration.maxResetStreamsPerWindow,
            resetStreamsWindow: configuration.resetStreamsWindow)
        let maxMessageBytes = configuration.maxRequestMessageBytes
        let descriptorsByPath = state.descriptorsByPath
        let logger = self.logger
        let handshakeTimeout = TimeAmount(configuration.handshakeTimeout)
        let idleTimeout = TimeAmount(configuration.idleTimeout)
        let capacity = connectionCapacity
        let silent = SilentConnections()
        var gateLogger = logger
        gateLogger[metadataKey: "address"] = "\(configuration.host):\(configuration.port)"

        let tcp = NIOBSDSocket.OptionLevel(rawValue: CInt(IPPROTO_TCP))
        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptGate(logger: gateLogger, capacity: capacity, silent: silent))
                }
            }
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                ChannelOptions.Types.SocketOption(level: tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_KEEPIDLE))),
                value: configuration.keepaliveIdle)
            .childChannelOption(
                ChannelOptions.Types.SocketOption(level: tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_KEEPINTVL))),
                value: configuration.keepaliveInterval)
            .childChannelOption(
                ChannelOptions.Types.SocketOption(level: tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_KEEPCNT))),
                value: configuration.keepaliveProbes)
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture { () throws -> AcceptedConnection in
                    let presented = PresentedCertificates()
                    let peer = TLSPeer(remoteAddress: channel.remoteAddress, presented: presented)
                    var connectionLogger = logger
                    connectionLogger[metadataKey: "peer"] = "\(peer.remotePeerDescription)"
                    let streamLogger = connectionLogger
                    let idleLogger = connectionLogger
                    let sync = channel.pipeline.syncOperations
                    // Any chain passes the handshake (the application authenticates it per call); one that does
                    // not parse as X.509 fails it.
                    let ssl = NIOSSLServerHandler(context: sslContext) { certificates, promise in
                        promise.succeed(presented.record(certificates) ? .certificateVerified : .failed)
                    }
                    try sync.addHandler(ssl)
                    try sync.addHandler(BoundedFlushHandler(limit: Self.flushLimit))
                    try sync.addHandler(TLSHandshakeDeadline(timeout: handshakeTimeout, logger: connectionLogger))
                    let lifecycle = ConnectionLifecycle(
                        channel: channel, silentConnectionTimeout: handshakeTimeout, idleTimeout: idleTimeout, silentConnections: silent
                    ) { silent in
                        idleLogger.debug(silent ? "connection closed: silent since accepted" : "connection closed: idle")
                    }
                    try sync.addHandler(FirstReadObserver(lifecycle: lifecycle))
                    let multiplexer = try sync.configureAsyncHTTP2Pipeline(
                        mode: .server,
                        streamDelegate: lifecycle,
                        configuration: http2
                    ) { (stream: any Channel) -> EventLoopFuture<AcceptedStream> in
                        ConnectionServing.acceptStream(
                            stream, maxMessageBytes: maxMessageBytes, descriptorsByPath: descriptorsByPath, logger: streamLogger)
                    }
                    connectionLogger.debug("connection accepted")
                    return AcceptedConnection(
                        channel: channel, peer: peer, remotePeer: peer.remotePeerDescription, lifecycle: lifecycle, multiplexer: multiplexer)
                }
            }
    }
}
