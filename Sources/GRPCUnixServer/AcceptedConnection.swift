import GRPCCore
import NIOCore
import NIOHTTP2

/// What the listener's child-channel initializer produces for each accepted connection.
struct AcceptedConnection: Sendable {
    var channel: any Channel
    /// Every RPC's `ServerContext.transportSpecific` (``UnixPeer``, ``TLSPeer``).
    var peer: any ServerContext.TransportSpecific
    /// Every RPC's `ServerContext.remotePeer`, also the connection's name in the log.
    var remotePeer: String
    var lifecycle: ConnectionLifecycle
    var multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<AcceptedStream>
}

/// What the HTTP/2 stream initializer produces for each inbound stream.
///
/// A stream can be accepted and never served: the multiplexer yields it after the connection loop stopped reading
/// (listen cancelled, connection closing), or it is still buffered when the loop ends. NIO then drops it, and an
/// `NIOAsyncChannel` whose writer was never finished traps on deinit, taking the process down. The stream's ``Owner``
/// finishes the writer and closes the stream channel when the last copy goes away, served or not (both idempotent).
struct AcceptedStream: Sendable {
    private let owner: Owner
    /// Succeeds once valid request HEADERS arrived; fails when the request was refused or the stream closed first.
    let descriptor: EventLoopFuture<MethodDescriptor>

    init(channel: NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>>, descriptor: EventLoopFuture<MethodDescriptor>) {
        self.owner = Owner(channel: channel)
        self.descriptor = descriptor
    }

    /// The stream as an async channel; use it only while this value is alive.
    var channel: NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>> { owner.channel }

    private final class Owner: Sendable {
        let channel: NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>>

        init(channel: NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>>) {
            self.channel = channel
        }

        deinit {
            channel.outbound.finish()
            channel.channel.close(promise: nil)
        }
    }
}
