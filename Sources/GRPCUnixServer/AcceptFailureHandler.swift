import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Backs off and logs when accepting a connection fails, which otherwise spins the listener's event loop: when the
/// very first `accept` of a read fails (out of file descriptors: EMFILE, ENFILE), NIO leaves the listening socket
/// registered for reads, epoll reports it readable again at once, and NIO's own `AcceptBackoffHandler` never gets a
/// `read()` to delay (issue #11: 100 % CPU for minutes, nothing logged). This handler turns `autoRead` off, which
/// unregisters the socket, and back on after ``pause``; established connections keep being served meanwhile and
/// waiting clients stay in the listen backlog. Failures are logged, rate-limited. Event-loop bound.
final class AcceptFailureHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    static let pause = TimeAmount.seconds(1)

    private let logger: Logger
    private let socketPath: String
    private let log = RateLimitedLog()
    private var resume: Scheduled<Void>?

    init(logger: Logger, socketPath: String) {
        self.logger = logger
        self.socketPath = socketPath
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let io = error as? IOError {
            let exhausted = io.errnoCode == EMFILE || io.errnoCode == ENFILE
            log.event { suppressed in
                logger.error(
                    exhausted
                        ? "cannot accept connections: out of file descriptors; pausing accepts, open connections are still served"
                        : "cannot accept connections; pausing accepts",
                    metadata: ["socket": "\(socketPath)", "error": "\(io)", "suppressed_since_last": "\(suppressed)"])
            }
            pauseAccepting(context: context)
        }
        context.fireErrorCaught(error)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
    }

    private func pauseAccepting(context: ChannelHandlerContext) {
        guard resume == nil, let options = context.channel.syncOptions else { return }
        try? options.setOption(.autoRead, value: false)
        let channel = context.channel
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) { [self] in
            resume = nil
            guard channel.isActive else { return }
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}
