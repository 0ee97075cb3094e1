import GRPCCore
import NIOCore
import NIOHTTP2

/// What the listener's child-channel initializer produces for each accepted connection.
struct AcceptedConnection: Sendable {
    var channel: any Channel
    var peer: UnixPeer
    var lifecycle: ConnectionLifecycle
    var multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<AcceptedStream>
}

/// What the HTTP/2 stream initializer produces for each inbound stream.
struct AcceptedStream: Sendable {
    var channel: NIOAsyncChannel<RPCRequestPart<[UInt8]>, RPCResponsePart<[UInt8]>>
    /// Succeeds once valid request HEADERS arrived; fails when the request was refused or the stream closed first.
    var descriptor: EventLoopFuture<MethodDescriptor>
}
