import NIOCore

/// Sits between HTTP/2 and TLS and flushes every `limit` bytes of a long run of writes. NIOSSL encrypts everything
/// written before a flush into one ciphertext buffer and keeps that buffer, at its largest size, for the life of the
/// connection (swift-nio-ssl 2.37.6 passes `.max` as the preserved capacity whatever `NIOSSLHandler.Configuration`
/// says): a sync snapshot of a thousand entries flushed at once left every agent connection holding a buffer its
/// size. Flushed in runs of `limit` bytes (plus at most one HTTP/2 frame of 16 KiB), the buffer stays within 32 KiB.
/// Small writes are unaffected: they reach the limit only together with others. Writes are passed on before the
/// flush, in order, with their promises.
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
