package import NIOCore
package import NIOHTTP1

/// An accepted HTTP/1 connection of a small listener (the Prometheus exporter, the health listener of the server and the agent).
///
/// One accepted while the listener shuts down is dropped unserved, and NIO traps on an async channel dropped with its
/// writer unfinished (docs/swift-notes.md), so the last reference finishes it and closes the connection; both are
/// idempotent after a served connection's `executeThenClose`.
package final class OwnedHTTPConnection: Sendable {
    package let channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    package init(_ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) {
        self.channel = channel
    }

    deinit {
        channel.outbound.finish()
        channel.channel.close(promise: nil)
    }
}
