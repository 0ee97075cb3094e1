import GRPCCore
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The per-stream channel handler: turns one HTTP/2 stream's frames into `RPCRequestPart`s and
/// `RPCResponsePart`s into frames, following gRPC's PROTOCOL-HTTP2.md.
///
/// Inbound: the request HEADERS are validated first; a request that cannot start an RPC is answered here
/// (HTTP 405/415, or Trailers-Only with a gRPC status) and `descriptor` fails, so no handler runs. Otherwise
/// `descriptor` succeeds and the metadata, then each reassembled message, go up the pipeline; END_STREAM ends the
/// inbound sequence (`ChannelEvent.inputClosed`). A message the transport refuses (compressed, too large)
/// ends the inbound sequence with an `RPCError` and further DATA is dropped.
///
/// Outbound: `.metadata` → HEADERS (:status 200); `.message` → DATA with the 5-byte prefix; `.status` →
/// trailers with END_STREAM, or a Trailers-Only HEADERS when no metadata was sent.
final class ServerStreamCodec: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = RPCRequestPart<[UInt8]>
    typealias OutboundIn = RPCResponsePart<[UInt8]>
    typealias OutboundOut = HTTP2Frame.FramePayload

    private enum InboundState {
        case awaitingHeaders
        case receiving(MessageDeframer)
        /// The request was refused or failed, or the client finished sending.
        case done
    }

    private enum OutboundState {
        case idle
        case headersSent
        case closed
    }

    private var inbound = InboundState.awaitingHeaders
    /// The client sent END_STREAM.
    private var remoteClosed = false
    private var outbound = OutboundState.idle
    private let maxMessageBytes: Int
    private let descriptorsByPath: [String: MethodDescriptor]
    private let descriptorPromise: EventLoopPromise<MethodDescriptor>
    private let logger: Logger

    init(
        maxMessageBytes: Int,
        descriptorsByPath: [String: MethodDescriptor],
        descriptorPromise: EventLoopPromise<MethodDescriptor>,
        logger: Logger
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.descriptorsByPath = descriptorsByPath
        self.descriptorPromise = descriptorPromise
        self.logger = logger
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if headers.endStream { remoteClosed = true }
            receiveHeaders(headers, context: context)
        case .data(let data):
            if data.endStream { remoteClosed = true }
            receiveData(data, context: context)
        default:
            // WINDOW_UPDATE and friends are nio-http2's business; RST_STREAM closes the stream channel.
            break
        }
    }

    private func receiveHeaders(_ frame: HTTP2Frame.FramePayload.Headers, context: ChannelHandlerContext) {
        switch inbound {
        case .awaitingHeaders:
            do {
                var head = try RequestHead(parsing: frame.headers)
                if let registered = descriptorsByPath["/" + head.descriptor.fullyQualifiedMethod] {
                    head.descriptor = registered
                }
                inbound = .receiving(MessageDeframer(maxMessageBytes: maxMessageBytes))
                descriptorPromise.succeed(head.descriptor)
                context.fireChannelRead(wrapInboundOut(.metadata(head.metadata)))
                if frame.endStream { finishInbound(context: context) }
            } catch {
                inbound = .done
                reject(error, context: context)
            }
        case .receiving(let deframer):
            // Trailers from a client: gRPC defines none, so only END_STREAM matters.
            if frame.endStream {
                if deframer.hasPartialMessage {
                    failInbound(RPCError(code: .internalError, message: "the request stream ended inside a message"), context: context)
                } else {
                    finishInbound(context: context)
                }
            }
        case .done:
            break
        }
    }

    private func receiveData(_ frame: HTTP2Frame.FramePayload.Data, context: ChannelHandlerContext) {
        guard case .receiving(var deframer) = inbound else { return }
        guard case .byteBuffer(let buffer) = frame.data else { return }  // inbound DATA is always a ByteBuffer
        inbound = .done  // avoids a copy of the deframer's buffer while it is mutated
        deframer.append(buffer)
        do {
            while let message = try deframer.next() {
                context.fireChannelRead(wrapInboundOut(.message(message)))
            }
        } catch {
            failInbound(error, context: context)
            return
        }
        inbound = .receiving(deframer)
        if frame.endStream {
            if deframer.hasPartialMessage {
                failInbound(RPCError(code: .internalError, message: "the request stream ended inside a message"), context: context)
            } else {
                finishInbound(context: context)
            }
        }
    }

    private func finishInbound(context: ChannelHandlerContext) {
        inbound = .done
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    private func failInbound(_ error: RPCError, context: ChannelHandlerContext) {
        inbound = .done
        logger.debug("request stream failed", metadata: ["code": "\(error.code)", "message": "\(error.message)"])
        context.fireErrorCaught(error)
    }

    private func reject(_ rejection: RequestHead.Rejection, context: ChannelHandlerContext) {
        descriptorPromise.fail(rejection)
        outbound = .closed
        var headers = HPACKHeaders()
        switch rejection {
        case .http(let status, let reason):
            logger.debug("request refused", metadata: ["http-status": "\(status)", "reason": "\(reason)"])
            headers.add(name: ":status", value: String(status))
        case .grpc(let code, let message):
            logger.debug("request refused", metadata: ["code": "\(code)", "message": "\(message)"])
            headers.add(name: ":status", value: "200")
            headers.add(name: "content-type", value: "application/grpc")
            headers.add(name: "grpc-accept-encoding", value: "identity")
            headers.add(name: "grpc-status", value: String(code.rawValue))
            headers.add(name: "grpc-message", value: PercentEncoding.encode(message))
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        resetAfter(written, context: context)
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: written)
    }

    /// The stream closes by itself once both sides sent END_STREAM. A client still sending when the trailers are out
    /// gets a reset with NO_ERROR, as PROTOCOL-HTTP2.md asks: the CANCEL reset that closing the stream channel sends
    /// can reach a client before it has read the trailers, and grpc C-core then reports CANCELLED, not the status.
    private func resetAfter(_ trailersWritten: EventLoopPromise<Void>, context: ChannelHandlerContext) {
        guard !remoteClosed else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        trailersWritten.futureResult.whenComplete { _ in
            let context = loopBound.value
            context.writeAndFlush(Self.wrapOutboundOut(.rstStream(.noError)), promise: nil)
            context.close(promise: nil)
        }
    }

    /// A reset stream reaches the RPC as `cancelled` rather than as a nio-http2 error.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed {
            inbound = .done
            context.fireErrorCaught(RPCError(code: .cancelled, message: "the client reset the stream (\(closed.errorCode))"))
        } else {
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        descriptorPromise.fail(ChannelError.ioOnClosedChannel)  // no-op once the descriptor was known
        if case .receiving = inbound {
            // The connection went away mid-request: the request must not look complete to the handler.
            failInbound(RPCError(code: .cancelled, message: "the connection closed before the request ended"), context: context)
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        descriptorPromise.fail(ChannelError.ioOnClosedChannel)
    }

    // MARK: outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .metadata(let metadata):
            guard case .idle = outbound else {
                promise?.fail(RPCError(code: .internalError, message: "response metadata was already sent"))
                return
            }
            outbound = .headersSent
            var headers = Self.responseHeaders()
            Self.add(metadata, to: &headers)
            context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: promise)

        case .message(let bytes):
            switch outbound {
            case .idle:
                outbound = .headersSent
                context.write(wrapOutboundOut(.headers(.init(headers: Self.responseHeaders()))), promise: nil)
            case .headersSent:
                break
            case .closed:
                promise?.fail(RPCError(code: .internalError, message: "the response stream is closed"))
                return
            }
            var buffer = context.channel.allocator.buffer(capacity: 5 + bytes.count)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt32(bytes.count), endianness: .big)
            buffer.writeBytes(bytes)
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(buffer)))), promise: promise)

        case .status(let status, let trailers):
            var headers: HPACKHeaders
            switch outbound {
            case .idle: headers = Self.responseHeaders()  // Trailers-Only
            case .headersSent: headers = HPACKHeaders()
            case .closed:
                promise?.fail(RPCError(code: .internalError, message: "the response stream is closed"))
                return
            }
            outbound = .closed
            headers.add(name: "grpc-status", value: String(status.code.rawValue))
            if !status.message.isEmpty {
                headers.add(name: "grpc-message", value: PercentEncoding.encode(status.message))
            }
            Self.add(trailers, to: &headers)
            let written = promise ?? context.eventLoop.makePromise()
            resetAfter(written, context: context)
            context.write(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: written)
        }
    }

    private static func responseHeaders() -> HPACKHeaders {
        [":status": "200", "content-type": "application/grpc"]
    }

    /// Metadata as header fields: binary values base64 under their `-bin` key; reserved names are skipped.
    private static func add(_ metadata: Metadata, to headers: inout HPACKHeaders) {
        for (key, value) in metadata {
            let name = key.lowercased()
            if name.hasPrefix(":") || name == "grpc-status" || name == "grpc-message" || name == "content-type" { continue }
            switch value {
            case .string(let string):
                headers.add(name: name, value: string)
            case .binary(let bytes):
                headers.add(name: name.hasSuffix("-bin") ? name : name + "-bin", value: Base64.encodeUnpadded(bytes))
            }
        }
    }
}
