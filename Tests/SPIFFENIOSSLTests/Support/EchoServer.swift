import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SPIFFE
import SPIFFENIOSSL
import Synchronization

/// What the server saw of one connection's handshake.
enum ServerEvent: Sendable, Equatable {
    /// The handshake completed; the client's SPIFFE ID as read from the pipeline.
    case verified(SPIFFEID?)
    /// The connection failed before or during the handshake.
    case failed(String)

    var isFailure: Bool {
        if case .failed = self { true } else { false }
    }
}

/// An mTLS echo server on a loopback port, recording each connection's handshake outcome.
final class EchoServer: Sendable {
    let port: Int
    private let channel: any Channel
    private let events = Mutex<[ServerEvent]>([])

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    /// Starts a server; with `closeAfterEcho` it closes each connection after its first echo.
    static func start(tls: SPIFFEMTLSServerConfiguration, closeAfterEcho: Bool = false) async throws -> EchoServer {
        let recorder = EventRecorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                    try channel.pipeline.syncOperations.addHandler(
                        RecordingEchoHandler(recorder: recorder, closeAfterEcho: closeAfterEcho)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = EchoServer(port: channel.localAddress!.port!, channel: channel)
        recorder.server.withLock { $0 = server }
        return server
    }

    func record(_ event: ServerEvent) {
        events.withLock { $0.append(event) }
    }

    /// The first `count` handshake outcomes, waiting up to five seconds for them.
    func firstEvents(_ count: Int = 1) async throws -> [ServerEvent] {
        for _ in 0..<500 {
            let seen = events.withLock { $0 }
            if seen.count >= count { return Array(seen.prefix(count)) }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TimedOut(seconds: 5)
    }

    func stop() async throws {
        try await channel.close()
    }
}

/// Forwards events from the handlers to the server, which exists only once bound.
final class EventRecorder: Sendable {
    let server = Mutex<EchoServer?>(nil)

    func record(_ event: ServerEvent) {
        server.withLock { $0 }?.record(event)
    }
}

/// Echoes what it reads, and records the handshake's outcome with the peer's SPIFFE ID.
final class RecordingEchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let recorder: EventRecorder
    private let closeAfterEcho: Bool
    private var handshakeDone = false

    init(recorder: EventRecorder, closeAfterEcho: Bool) {
        self.recorder = recorder
        self.closeAfterEcho = closeAfterEcho
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            handshakeDone = true
            recorder.record(.verified(try? context.pipeline.syncOperations.spiffePeerID()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let write = context.writeAndFlush(data)
        if closeAfterEcho {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            write.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeDone {
            recorder.record(.failed("\(error)"))
        }
        context.close(promise: nil)
    }
}
