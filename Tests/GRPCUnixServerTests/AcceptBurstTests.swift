import GRPCUnixServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Many callers connecting at the same moment, as a node's workloads do when they all start together: every one is
/// accepted and answered. (Issue #20's footprint benchmark saw some of 200 simultaneous callers stay in the listen
/// backlog while the server idled.)
@Suite("a burst of connections")
struct AcceptBurstTests {
    @Test("300 callers connecting at once are all accepted and answered")
    func burst() async throws {
        let callers = 300
        try await withEchoServer { _, _, transport in
            let path = transport.configuration.socketPath
            var sockets: [RawSocket] = []
            for _ in 0..<callers { sockets.append(try RawSocket(path: path)) }
            for socket in sockets { socket.send(RawSocket.http2Preface + RawSocket.unaryEcho(streamID: 1)) }
            // One deadline for all of them: a stall costs 30 s, not 30 s per caller.
            let deadline = ContinuousClock.now + .seconds(30)
            var unanswered = 0
            for socket in sockets {
                let left = deadline - ContinuousClock.now
                if left > .zero { _ = await socket.waitUntilClosed(timeout: left, orFrame: 0) }
                if !socket.receivedFrameTypes.contains(0) { unanswered += 1 }
            }
            #expect(unanswered == 0, "\(unanswered) of \(callers) callers got no answer")
            for socket in sockets { socket.close() }
        }
    }
}
