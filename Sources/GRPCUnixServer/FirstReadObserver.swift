import NIOCore

/// First in a connection's pipeline: tells its ``ConnectionLifecycle`` when the peer sends its first bytes, then
/// removes itself. Until then the connection is "silent" and gets the short timeout. Event-loop bound.
final class FirstReadObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let lifecycle: ConnectionLifecycle

    init(lifecycle: ConnectionLifecycle) {
        self.lifecycle = lifecycle
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lifecycle.peerSpoke()
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
