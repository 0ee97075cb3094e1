import NIOCore
import NIOHTTP2

/// Tracks one connection's open streams so that a graceful shutdown can send GOAWAY and close the connection
/// once its last stream ends, and closes connections that sit idle: one whose peer has sent nothing within
/// `silentConnectionTimeout` of being accepted (half-open, or connected and silent: what a flood of idle connections
/// looks like) and one that has had no stream for `idleTimeout` (a real client that connected ahead of its first call
/// gets this longer grace, as it has spoken HTTP/2). nio-http2 calls the delegate methods on the connection's event loop; all state
/// lives there.
final class ConnectionLifecycle: NIOHTTP2StreamDelegate, Sendable {
    private struct State {
        var openStreams = 0
        var lastStreamID = HTTP2StreamID(0)
        var quiescing = false
        var idleTimer: Scheduled<Void>?
    }

    let channel: any Channel
    private let state: NIOLoopBoundBox<State>
    private let idleTimeout: TimeAmount
    private let silentConnections: SilentConnections?
    /// Called on the event loop when the connection is closed for being idle.
    private let onIdleClose: @Sendable (_ neverOpenedAStream: Bool) -> Void

    /// Must be created on the channel's event loop; starts the first-stream timer.
    init(
        channel: any Channel,
        silentConnectionTimeout: TimeAmount,
        idleTimeout: TimeAmount,
        silentConnections: SilentConnections? = nil,
        onIdleClose: @escaping @Sendable (_ neverOpenedAStream: Bool) -> Void = { _ in }
    ) {
        self.channel = channel
        self.state = NIOLoopBoundBox(State(), eventLoop: channel.eventLoop)
        self.idleTimeout = idleTimeout
        self.silentConnections = silentConnections
        self.onIdleClose = onIdleClose
        silentConnections?.add(channel)
        armIdleTimer(silentConnectionTimeout, neverOpenedAStream: true)
        channel.closeFuture.whenComplete { [state] _ in
            silentConnections?.remove(channel)
            state.value.idleTimer?.cancel()
            state.value.idleTimer = nil
        }
    }

    /// The peer sent its first bytes (the HTTP/2 preface): from now on only the idle timeout applies. Called on the
    /// event loop by ``FirstReadObserver``.
    func peerSpoke() {
        silentConnections?.remove(channel)
        guard state.value.openStreams == 0, state.value.idleTimer != nil, !state.value.quiescing else { return }
        armIdleTimer(idleTimeout, neverOpenedAStream: false)
    }

    func streamCreated(_ id: HTTP2StreamID, channel: any Channel) {
        state.value.openStreams += 1
        if id > state.value.lastStreamID { state.value.lastStreamID = id }
        state.value.idleTimer?.cancel()
        state.value.idleTimer = nil
    }

    func streamClosed(_ id: HTTP2StreamID, channel: any Channel) {
        state.value.openStreams -= 1
        if state.value.openStreams == 0 {
            if state.value.quiescing {
                self.channel.close(promise: nil)
            } else {
                armIdleTimer(idleTimeout, neverOpenedAStream: false)
            }
        }
    }

    /// Sends GOAWAY naming the last stream this server saw (later streams are refused, which clients retry
    /// elsewhere), then closes the connection when no stream is left, or at `deadline` with its streams (their RPCs
    /// are cancelled) when one is given.
    func beginQuiescing(deadline: TimeAmount? = nil) {
        channel.eventLoop.execute {
            self.quiesceOnLoop()
            if let deadline {
                self.channel.eventLoop.assumeIsolated().scheduleTask(in: deadline) { [channel = self.channel] in
                    channel.close(promise: nil)
                }
            }
        }
    }

    private func quiesceOnLoop() {
        guard !state.value.quiescing else { return }
        state.value.quiescing = true
        let goAway = HTTP2Frame(
            streamID: .rootStream,
            payload: .goAway(lastStreamID: state.value.lastStreamID, errorCode: .noError, opaqueData: nil))
        channel.writeAndFlush(goAway, promise: nil)
        if state.value.openStreams == 0 {
            channel.close(promise: nil)
        }
    }

    private func armIdleTimer(_ timeout: TimeAmount, neverOpenedAStream: Bool) {
        state.value.idleTimer?.cancel()
        state.value.idleTimer = channel.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            state.value.idleTimer = nil
            guard state.value.openStreams == 0, channel.isActive else { return }
            onIdleClose(neverOpenedAStream)
            // GOAWAY first, so that a real client that connected ahead of its first call knows to dial again
            // rather than seeing its connection vanish; a half-open peer just gets closed.
            quiesceOnLoop()
        }
    }
}
