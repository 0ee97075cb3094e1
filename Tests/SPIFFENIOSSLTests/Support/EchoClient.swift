import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import SPIFFE
import SPIFFENIOSSL
import SwiftASN1
import Synchronization
import X509

/// The reply and what the client knows of the server after one exchange.
struct EchoReply: Sendable {
    let text: String
    let serverID: SPIFFEID?
    let serverSerial: Certificate.SerialNumber?
    let negotiatedProtocol: String?
}

struct ConnectionClosed: Error {}

/// What the client learnt of the server when the handshake completed (the pipeline may be gone once the server
/// closes, so it is read at once).
final class ServerSeen: Sendable {
    let value = Mutex<(id: SPIFFEID?, serial: Certificate.SerialNumber?, alpn: String?)>((nil, nil, nil))
}

/// Reads the server's SPIFFE ID and leaf serial on `TLSUserEvent.handshakeCompleted`.
final class ServerSeenHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let seen: ServerSeen

    init(seen: ServerSeen) {
        self.seen = seen
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted(let alpn) = tlsEvent {
            let id = try? context.pipeline.syncOperations.spiffePeerID()
            let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
            let serial = certificate.flatMap { try? Certificate(derEncoded: $0.toDERBytes()).serialNumber }
            seen.value.withLock { $0 = (id, serial, alpn) }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// An open client connection and what it saw of the server.
struct ClientConnection: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    let seen: ServerSeen
}

/// Opens an mTLS connection to `127.0.0.1:port`.
func connect(port: Int, tls: SPIFFEMTLSClientConfiguration) async throws -> ClientConnection {
    let seen = ServerSeen()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                try channel.pipeline.syncOperations.addHandler(ServerSeenHandler(seen: seen))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return ClientConnection(channel: channel, seen: seen)
}

/// Sends `message` on `connection` and reads one reply.
func exchange(
    _ message: String,
    connection: ClientConnection,
    outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
    inbound: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
) async throws -> EchoReply {
    try await outbound.write(ByteBuffer(string: message))
    guard let reply = try await inbound.next() else { throw ConnectionClosed() }
    let seen = connection.seen.value.withLock { $0 }
    return EchoReply(text: String(buffer: reply), serverID: seen.id, serverSerial: seen.serial, negotiatedProtocol: seen.alpn)
}

/// Connects, sends `message`, reads the reply and closes.
func echoOnce(_ message: String, port: Int, tls: SPIFFEMTLSClientConfiguration) async throws -> EchoReply {
    try await withTimeout {
        let connection = try await connect(port: port, tls: tls)
        return try await connection.channel.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            return try await exchange(message, connection: connection, outbound: outbound, inbound: &iterator)
        }
    }
}
