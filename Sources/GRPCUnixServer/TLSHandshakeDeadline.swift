import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Closes a TCP connection whose TLS handshake has not completed within `timeout` of the handler being added: a
/// half-open or silent peer would otherwise hold a descriptor forever. Sits right after the
/// `NIOSSLHandler`, which announces the end of the handshake with `TLSUserEvent.handshakeCompleted`. Event-loop
/// bound, like every channel handler.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let (timeout, logger) = (self.timeout, self.logger)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            logger.warning("closing a connection that did not complete its TLS handshake in time", metadata: [
                "peer": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")", "timeout": "\(timeout)",
            ])
            channel.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            timer?.cancel()
            timer = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
