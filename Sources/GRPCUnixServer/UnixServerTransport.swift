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
        var byPath: [String: MethodDescriptor] = [:]
        for method in context.methods {
            byPath["/" + method.fullyQualifiedMethod] = method
        }
        state.inner.withLock { $0.descriptorsByPath = byPath }
    }

    /// Returns once the socket is bound, chmod-ed and accepting; throws if the transport stopped or failed first.
    public func waitUntilListening() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = state.inner.withLock { inner in
                switch inner.phase {
                case .listening: return .success(())
                case .stopped: return .failure(UnixServerTransportError(.notListening, "the transport has stopped"))
                case .idle, .starting:
                    inner.listeningWaiters.append(continuation)
                    return nil
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    public func listen(
        streamHandler: @escaping @Sendable (
            _ stream: RPCStream<Inbound, Outbound>,
            _ context: ServerContext
        ) async -> Void
    ) async throws {
        let (alreadyStarted, stopEarly) = state.inner.withLock { inner -> (Bool, Bool) in
            guard case .idle = inner.phase else { return (true, false) }
            inner.phase = inner.shutdownRequested ? .stopped : .starting
            return (false, inner.shutdownRequested)
        }
        if alreadyStarted {
            throw UnixServerTransportError(.alreadyListening, "listen(streamHandler:) was already called on this transport")
        }
        if stopEarly {
            state.resumeWaiters(throwing: UnixServerTransportError(.notListening, "shut down before listening"))
            return
        }

        let server: NIOAsyncChannel<AcceptedConnection, Never>
        do {
            server = try await bind()
        } catch {
            state.inner.withLock { $0.phase = .stopped }
            state.resumeWaiters(throwing: error)
            throw error
        }
        let socketIdentity = SocketFile.identity(of: configuration.socketPath)
        defer {
            SocketFile.remove(configuration.socketPath, ifIdentity: socketIdentity)
            state.inner.withLock { $0.phase = .stopped }
            state.resumeWaiters(throwing: UnixServerTransportError(.notListening, "the transport has stopped"))
        }

        let shutdownRequested = state.inner.withLock { inner in
            inner.phase = .listening(server.channel)
            return inner.shutdownRequested
        }
        if shutdownRequested { server.channel.close(promise: nil) }
        state.resumeWaiters(throwing: nil)
        logger.info("listening", metadata: ["socket": "\(configuration.socketPath)", "max_connections": "\(connectionCapacity)"])

        let localPeer = "unix:" + configuration.socketPath
        try await server.executeThenClose { connections in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in connections {
                    let id = ObjectIdentifier(connection.lifecycle)
                    let quiesce = state.inner.withLock { inner in
                        inner.connections[id] = connection.lifecycle
                        return inner.shutdownRequested
                    }
                    if quiesce { connection.lifecycle.beginQuiescing() }
                    group.addTask {
                        await serve(connection, localPeer: localPeer, streamHandler: streamHandler)
                        _ = state.inner.withLock { $0.connections.removeValue(forKey: id) }
                    }
                }
            }
        }
        logger.info("stopped", metadata: ["socket": "\(configuration.socketPath)"])
    }

    /// Stops accepting connections, sends GOAWAY on every connection and closes each once its streams have
    /// ended; `listen` returns when the last one is closed. Cancelling the task running `listen` instead closes
    /// everything at once (handlers see their RPCs cancelled).
    public func beginGracefulShutdown() {
        let (listener, connections) = state.inner.withLock { inner -> ((any Channel)?, [ConnectionLifecycle]) in
            inner.shutdownRequested = true
            if case .listening(let channel) = inner.phase {
                return (channel, Array(inner.connections.values))
            }
            return (nil, Array(inner.connections.values))
        }
        listener?.close(promise: nil)
        for connection in connections { connection.beginQuiescing() }
    }

    // MARK: listening

    /// ``Configuration/maxConnections``, or the share of the open-file limit the listener may use.
    private var connectionCapacity: Int {
        configuration.maxConnections ?? AcceptGate.openFileLimit().map(AcceptGate.capacity(openFileLimit:)) ?? Int.max
    }

    private func bind() async throws -> NIOAsyncChannel<AcceptedConnection, Never> {
        let path = configuration.socketPath
        try SocketFile.createParentDirectory(of: path)
        let http2 = http2Configuration()
        let maxMessageBytes = configuration.maxRequestMessageBytes
        let descriptorsByPath = state.inner.withLock { $0.descriptorsByPath }
        let logger = self.logger
        let limiter = PeerLimiter(maxConnectionsPerUID: configuration.maxConnectionsPerUID, maxStreamsPerUID: configuration.maxStreamsPerUID)
        let refusals = RateLimitedLog()
        let silentConnectionTimeout = TimeAmount(configuration.silentConnectionTimeout)
        let idleTimeout = TimeAmount(configuration.idleTimeout)

        let capacity = connectionCapacity
        let silent = SilentConnections()
        let silenceUnderPressure = TimeAmount(configuration.silenceUnderPressure)

        let socket = try SocketFile.makeListeningSocket(path: path, mode: configuration.socketMode, backlog: 256)
        do {
            return try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AcceptGate(
                                logger: logger, socketPath: path, capacity: capacity, silent: silent,
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
                        return stream.eventLoop.makeCompletedFuture { () throws -> AcceptedStream in
                            let descriptor = stream.eventLoop.makePromise(of: MethodDescriptor.self)
                            try stream.pipeline.syncOperations.addHandler(
                                ServerStreamCodec(
                                    maxMessageBytes: maxMessageBytes,
                                    descriptorsByPath: descriptorsByPath,
                                    descriptorPromise: descriptor,
                                    logger: streamLogger))
                            let asyncChannel = try NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>>(
                                wrappingChannelSynchronously: stream)
                            return AcceptedStream(channel: asyncChannel, descriptor: descriptor.futureResult)
                        }
                    }
                    connectionLogger.debug("connection accepted")
                    return AcceptedConnection(channel: channel, peer: peer, lifecycle: lifecycle, multiplexer: multiplexer)
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

    private func http2Configuration() -> NIOHTTP2Handler.Configuration {
        var http2 = NIOHTTP2Handler.Configuration()
        let window = max(65_535, min(configuration.streamWindowBytes, Int(Int32.max)))
        http2.connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreamsPerConnection),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
            HTTP2Setting(parameter: .initialWindowSize, value: window),
        ]
        http2.connection.targetWindowSize = min(window * 4, Int(Int32.max))
        http2.stream.targetWindowSize = window
        http2.stream.streamResetFrameRateLimit.maximumCount = configuration.maxResetStreamsPerWindow
        http2.stream.streamResetFrameRateLimit.windowLength = TimeAmount(configuration.resetStreamsWindow)
        return http2
    }

    // MARK: serving

    private func serve(
        _ connection: AcceptedConnection,
        localPeer: String,
        streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async {
        let remotePeer = connection.peer.remotePeerDescription
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                do {
                    for try await stream in connection.multiplexer.inbound {
                        group.addTask {
                            await serve(stream, peer: connection.peer, remotePeer: remotePeer, localPeer: localPeer, streamHandler: streamHandler)
                        }
                    }
                } catch {
                    logger.debug("connection failed", metadata: ["peer": "\(connection.peer.credentials)", "error": "\(error)"])
                }
                // No more streams: make sure the connection is closed, so that every open stream (and its RPC) is.
                connection.channel.close(promise: nil)
            }
        } onCancel: {
            connection.channel.close(promise: nil)
        }
    }

    private func serve(
        _ stream: AcceptedStream,
        peer: UnixPeer,
        remotePeer: String,
        localPeer: String,
        streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async {
        try? await stream.channel.executeThenClose { inbound, outbound in
            guard let descriptor = try? await stream.descriptor.get() else { return }
            await withServerContextRPCCancellationHandle { handle in
                // A reset stream, a dropped connection and a finished RPC all close the stream channel; only the
                // first two can still find the handler running.
                stream.channel.channel.closeFuture.whenComplete { _ in handle.cancel() }
                let rpc = RPCStream(
                    descriptor: descriptor,
                    inbound: RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>(wrapping: inbound),
                    outbound: RPCWriter.Closable(wrapping: StreamOutboundWriter(writer: outbound, channel: stream.channel.channel)))
                var context = ServerContext(descriptor: descriptor, remotePeer: remotePeer, localPeer: localPeer, cancellation: handle)
                context.transportSpecific = peer
                await streamHandler(rpc, context)
            }
            // Closing now would drop response frames still waiting for flow-control window (the client would see
            // RST_STREAM instead of its last messages and status). The stream closes once the status is out and
            // the client has finished (the codec resets it if the client is still sending); a cancelled listen
            // task closes it right away.
            if !Task.isCancelled {
                try? await stream.channel.channel.closeFuture.get()
            }
        }
    }
}
