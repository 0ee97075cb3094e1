import NIOCore

/// Sits between HTTP/2 and TLS and flushes every `limit` bytes of a long run of writes. NIOSSL encrypts everything
/// written before a flush into one ciphertext buffer and keeps that buffer, at its largest size, until the
/// connection's next write: one 160 KB sync snapshot flushed at once left an idle agent connection holding a 256 KiB
/// buffer for as long as nothing else was sent (220 KiB a stream in the scale benchmark). Flushed in runs of `limit`
/// bytes (plus at most one HTTP/2 frame), the buffer stays within what `NIOSSLHandler.Configuration`'s preserved
/// capacity allows. Small writes are unaffected: they reach the limit only together with others.
final class BoundedFlushHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let limit: Int
    private var unflushed = 0

    init(limit: Int) {
        self.limit = limit
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        unflushed += unwrapOutboundIn(data).readableBytes
        context.write(data, promise: promise)
        if unflushed >= limit {
            unflushed = 0
            context.flush()
        }
    }

    func flush(context: ChannelHandlerContext) {
        unflushed = 0
        context.flush()
    }
}
