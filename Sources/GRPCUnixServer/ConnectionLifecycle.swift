import NIOCore
import NIOHTTP2

/// Tracks one connection's open streams so that a graceful shutdown can send GOAWAY and close the connection
/// once its last stream ends. nio-http2 calls the delegate methods on the connection's event loop; all state
/// lives there.
final class ConnectionLifecycle: NIOHTTP2StreamDelegate, Sendable {
    private struct State {
        var openStreams = 0
        var lastStreamID = HTTP2StreamID(0)
        var quiescing = false
    }

    let channel: any Channel
    private let state: NIOLoopBoundBox<State>

    /// Must be created on the channel's event loop.
    init(channel: any Channel) {
        self.channel = channel
        self.state = NIOLoopBoundBox(State(), eventLoop: channel.eventLoop)
    }

    func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
        state.value.openStreams += 1
        if id > state.value.lastStreamID { state.value.lastStreamID = id }
    }

    func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
        state.value.openStreams -= 1
        if state.value.quiescing && state.value.openStreams == 0 {
            self.channel.close(promise: nil)
        }
    }

    /// Sends GOAWAY naming the last stream this server saw (later streams are refused, which clients retry
    /// elsewhere), then closes the connection when no stream is left.
    func beginQuiescing() {
        channel.eventLoop.execute {
            guard !self.state.value.quiescing else { return }
            self.state.value.quiescing = true
            let goAway = HTTP2Frame(
                streamID: .rootStream,
                payload: .goAway(lastStreamID: self.state.value.lastStreamID, errorCode: .noError, opaqueData: nil))
            self.channel.writeAndFlush(goAway, promise: nil)
            if self.state.value.openStreams == 0 {
                self.channel.close(promise: nil)
            }
        }
    }
}
