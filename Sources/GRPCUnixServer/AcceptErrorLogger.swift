import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Sits in front of NIO's `AcceptBackoffHandler` on the listening channel and logs failed accepts (rate-limited),
/// which NIO's handler swallows: running out of file descriptors (EMFILE, ENFILE) must be seen by an operator. NIO
/// then pauses accepting for ``backoff`` while established connections keep being served.
final class AcceptErrorLogger: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let logger: Logger
    private let socketPath: String
    private let log = RateLimitedLog()

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
        }
        context.fireErrorCaught(error)
    }
}
