public import GRPCCore
public import Logging
public import NIOCore
import NIOHTTP2
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A gRPC server transport on a Unix domain socket that tells every RPC who called it.
///
/// Built on NIOPosix's `ServerBootstrap` and nio-http2 rather than grpc-swift-nio-transport, which can neither
/// report the caller's kernel credentials nor raise nio-http2's stream-reset rate limit (see
/// ``Configuration/maxResetStreamsPerWindow``). Every RPC's `ServerContext.transportSpecific` is a ``UnixPeer``
/// read when the connection was accepted, and `remotePeer` is `unix:pid=…,uid=…,gid=…`.
///
/// Cancellation: when the client resets a stream or its connection goes away, the RPC's cancellation handle
/// fires (`context.cancellation`), so handlers that hold a stream open until cancelled end promptly.
///
/// Not supported: compression (a compressed request fails with `unimplemented`, and responses are never
/// compressed), TLS, keepalive pings initiated by the server.
public struct UnixServerTransport: ServerTransport {
    /// The listen backlog: how many callers may wait to be accepted. A burst of workloads connecting at once (a node
    /// starting its pods) must find room: a Unix socket whose backlog is full refuses `connect` with EAGAIN, and gRPC
    /// clients then back off for seconds. The kernel caps it at `net.core.somaxconn`.
    static let listenBacklog: Int32 = 1024

    public typealias Bytes = [UInt8]

    public let configuration: Configuration
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup
    private let state = TransportState()

    /// `eventLoopGroup` defaults to NIO's shared `MultiThreadedEventLoopGroup.singleton`.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "steeple.grpc-unix-server"),
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
    }

    public func configure(context: GRPCServerContext) {
        state.configure(context)
    }

    /// Returns once the socket is bound, chmod-ed and accepting; throws if the transport stopped or failed first.
    public func waitUntilListening() async throws {
        try await state.waitUntilListening()
    }

    public func listen(
        streamHandler: @escaping @Sendable (
            _ stream: RPCStream<Inbound, Outbound>,
            _ context: ServerContext
        ) async -> Void
    ) async throws {
        let path = configuration.socketPath
        try await state.listen(
            listening: ["socket": "\(path)", "max_connections": "\(connectionCapacity)"],
            localPeer: "unix:" + path,
            logger: logger,
            bind: {
                let server = try await bind()
                let socketIdentity = SocketFile.identity(of: path)
                return (server, { SocketFile.remove(path, ifIdentity: socketIdentity) })
            },
            streamHandler: streamHandler)
    }

    /// Stops accepting connections, sends GOAWAY on every connection and closes each once its streams have
    /// ended; `listen` returns when the last one is closed. Cancelling the task running `listen` instead closes
    /// everything at once (handlers see their RPCs cancelled).
    public func beginGracefulShutdown() {
        state.beginGracefulShutdown()
    }

    // MARK: listening

    /// ``Configuration/maxConnections``, or the share of the open-file limit the listener may use.
    private var connectionCapacity: Int {
        configuration.maxConnections ?? AcceptGate.openFileLimit().map { AcceptGate.capacity(openFileLimit: $0) } ?? Int.max
    }

    private func bind() async throws -> NIOAsyncChannel<AcceptedConnection, Never> {
        let path = configuration.socketPath
        try SocketFile.createParentDirectory(of: path)
        let http2 = ConnectionServing.http2Configuration(
            maxConcurrentStreams: configuration.maxConcurrentStreamsPerConnection,
            streamWindowBytes: configuration.streamWindowBytes,
            maxResetStreamsPerWindow: configuration.maxResetStreamsPerWindow,
            resetStreamsWindow: configuration.resetStreamsWindow)
        let maxMessageBytes = configuration.maxRequestMessageBytes
        let descriptorsByPath = state.descriptorsByPath
        let logger = self.logger
        let limiter = PeerLimiter(maxConnectionsPerUID: configuration.maxConnectionsPerUID, maxStreamsPerUID: configuration.maxStreamsPerUID)
        let refusals = RateLimitedLog()
        let silentConnectionTimeout = TimeAmount(configuration.silentConnectionTimeout)
        let idleTimeout = TimeAmount(configuration.idleTimeout)

        let capacity = connectionCapacity
        let silent = SilentConnections()
        let silenceUnderPressure = TimeAmount(configuration.silenceUnderPressure)

        var gateLogger = logger
        gateLogger[metadataKey: "socket"] = "\(path)"
        let socket = try SocketFile.makeListeningSocket(path: path, mode: configuration.socketMode, backlog: Self.listenBacklog)
        do {
            return try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        // NIO listens again on a socket it is handed, with its own backlog of 128 and before any
                        // option applies; listening once more restores ours (Linux updates a listening socket's backlog).
                        _ = Glibc.listen(socket, Self.listenBacklog)
                        try channel.pipeline.syncOperations.addHandler(AcceptGate(
                                logger: gateLogger, capacity: capacity, silent: silent,
                                silenceUnderPressure: silenceUnderPressure))
                    }
                }
                .bind(socket) { channel in
                PeerCredentialReader.read(from: channel).flatMapThrowing { peer in
                    let uid = peer.credentials.uid
                    guard limiter.acquireConnection(uid: uid) else {
                        refusals.event { suppressed in
                            logger.warning("connection refused: this uid holds too many connections", metadata: [
                                "peer": "\(peer.credentials)", "limit": "\(limiter.maxConnectionsPerUID)", "suppressed_since_last": "\(suppressed)",
                            ])
                        }
                        throw UnixServerTransportError(.tooManyConnections, "uid \(uid) holds \(limiter.maxConnectionsPerUID) connections already")
                    }
                    channel.closeFuture.whenComplete { _ in limiter.releaseConnection(uid: uid) }
                    var connectionLogger = logger
                    connectionLogger[metadataKey: "peer"] = "\(peer.credentials)"
                    let streamLogger = connectionLogger
                    let idleLogger = connectionLogger
                    let lifecycle = ConnectionLifecycle(
                        channel: channel, silentConnectionTimeout: silentConnectionTimeout, idleTimeout: idleTimeout, silentConnections: silent
                    ) { silent in
                        idleLogger.debug(silent ? "connection closed: silent since accepted" : "connection closed: idle")
                    }
                    try channel.pipeline.syncOperations.addHandler(FirstReadObserver(lifecycle: lifecycle))
                    let multiplexer = try channel.pipeline.syncOperations.configureAsyncHTTP2Pipeline(
                        mode: .server,
                        streamDelegate: lifecycle,
                        configuration: http2
                    ) { (stream: any Channel) -> EventLoopFuture<AcceptedStream> in
                        guard limiter.acquireStream(uid: uid) else {
                            refusals.event { suppressed in
                                streamLogger.warning("stream refused: this uid has too many open streams", metadata: [
                                    "limit": "\(limiter.maxStreamsPerUID)", "suppressed_since_last": "\(suppressed)",
                                ])
                            }
                            return stream.close().flatMapThrowing { () throws -> AcceptedStream in
                                throw UnixServerTransportError(.tooManyStreams, "uid \(uid) has \(limiter.maxStreamsPerUID) streams open already")
                            }
                        }
                        stream.closeFuture.whenComplete { _ in limiter.releaseStream(uid: uid) }
                        return ConnectionServing.acceptStream(
                            stream, maxMessageBytes: maxMessageBytes, descriptorsByPath: descriptorsByPath, logger: streamLogger)
                    }
                    connectionLogger.debug("connection accepted")
                    return AcceptedConnection(
                        channel: channel, peer: peer, remotePeer: peer.remotePeerDescription, lifecycle: lifecycle, multiplexer: multiplexer)
                }.flatMapError { error in
                    if (error as? UnixServerTransportError)?.code != .tooManyConnections {
                        refusals.event { suppressed in
                            logger.warning("connection refused", metadata: ["error": "\(error)", "suppressed_since_last": "\(suppressed)"])
                        }
                    }
                    return channel.close().flatMapThrowing { throw error }
                }
            }
        } catch {
            unlink(path)
            throw error
        }
    }
}
