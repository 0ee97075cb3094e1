import GRPCCore
import Logging
import NIOCore
import NIOHTTP2

/// What both transports do with a connection once it is accepted: the HTTP/2 settings they advertise, the codec every
/// stream gets, and how streams become RPCs.
enum ConnectionServing {
    typealias StreamHandler = @Sendable (
        RPCStream<RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>, RPCWriter<RPCResponsePart<[UInt8]>>.Closable>,
        ServerContext
    ) async -> Void

    static func http2Configuration(
        maxConcurrentStreams: Int,
        streamWindowBytes: Int,
        maxResetStreamsPerWindow: Int,
        resetStreamsWindow: Duration
    ) -> NIOHTTP2Handler.Configuration {
        var http2 = NIOHTTP2Handler.Configuration()
        let window = max(65_535, min(streamWindowBytes, Int(Int32.max)))
        http2.connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 * 1024),
            HTTP2Setting(parameter: .initialWindowSize, value: window),
        ]
        http2.connection.targetWindowSize = min(window * 4, Int(Int32.max))
        http2.stream.targetWindowSize = window
        http2.stream.streamResetFrameRateLimit.maximumCount = maxResetStreamsPerWindow
        http2.stream.streamResetFrameRateLimit.windowLength = TimeAmount(resetStreamsWindow)
        return http2
    }

    /// Puts the gRPC codec on a new HTTP/2 stream and wraps it for async use. Runs on the stream's event loop.
    static func acceptStream(
        _ stream: any Channel,
        maxMessageBytes: Int,
        descriptorsByPath: [String: MethodDescriptor],
        logger: Logger
    ) -> EventLoopFuture<AcceptedStream> {
        stream.eventLoop.makeCompletedFuture { () throws -> AcceptedStream in
            let descriptor = stream.eventLoop.makePromise(of: MethodDescriptor.self)
            try stream.pipeline.syncOperations.addHandler(
                ServerStreamCodec(
                    maxMessageBytes: maxMessageBytes,
                    descriptorsByPath: descriptorsByPath,
                    descriptorPromise: descriptor,
                    logger: logger))
            let asyncChannel = try NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>>(
                wrappingChannelSynchronously: stream)
            return AcceptedStream(channel: asyncChannel, descriptor: descriptor.futureResult)
        }
    }

    /// Serves every stream the peer opens on `connection`, each as an RPC, until the connection ends.
    static func serve(
        _ connection: AcceptedConnection,
        localPeer: String,
        logger: Logger,
        streamHandler: @escaping StreamHandler
    ) async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                do {
                    for try await stream in connection.multiplexer.inbound {
                        group.addTask {
                            await serve(stream, peer: connection.peer, remotePeer: connection.remotePeer, localPeer: localPeer, streamHandler: streamHandler)
                        }
                    }
                } catch {
                    logger.debug("connection failed", metadata: ["peer": "\(connection.remotePeer)", "error": "\(error)"])
                }
                // No more streams: make sure the connection is closed, so that every open stream (and its RPC) is.
                connection.channel.close(promise: nil)
            }
        } onCancel: {
            connection.channel.close(promise: nil)
        }
    }

    private static func serve(
        _ stream: AcceptedStream,
        peer: any ServerContext.TransportSpecific,
        remotePeer: String,
        localPeer: String,
        streamHandler: @escaping StreamHandler
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
