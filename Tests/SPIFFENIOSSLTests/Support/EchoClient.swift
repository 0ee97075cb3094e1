import NIOCore
import NIOPosix
import NIOSSL
import SPIFFE
import SPIFFENIOSSL
import SwiftASN1
import X509

/// The reply and what the client knows of the server after one exchange.
struct EchoReply: Sendable {
    let text: String
    let serverID: SPIFFEID?
    let serverSerial: Certificate.SerialNumber?
}

struct ConnectionClosed: Error {}

/// Opens an mTLS connection to `127.0.0.1:port`.
func connect(port: Int, tls: SPIFFEMTLSClientConfiguration) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
}

/// Sends `message` on `channel` and reads one reply.
func exchange(
    _ message: String,
    channel: any Channel,
    outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
    inbound: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
) async throws -> EchoReply {
    try await outbound.write(ByteBuffer(string: message))
    guard let reply = try await inbound.next() else { throw ConnectionClosed() }
    let serverID = try await channel.spiffePeerID().get()
    let serial = try await channel.nioSSL_peerCertificate().get().map { try Certificate(derEncoded: $0.toDERBytes()).serialNumber }
    return EchoReply(text: String(buffer: reply), serverID: serverID, serverSerial: serial)
}

/// Connects, sends `message`, reads the reply and closes.
func echoOnce(_ message: String, port: Int, tls: SPIFFEMTLSClientConfiguration) async throws -> EchoReply {
    try await withTimeout {
        let connection = try await connect(port: port, tls: tls)
        return try await connection.executeThenClose { inbound, outbound in
            var iterator = inbound.makeAsyncIterator()
            return try await exchange(message, channel: connection.channel, outbound: outbound, inbound: &iterator)
        }
    }
}
