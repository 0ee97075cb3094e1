import Logging
import NIOCore
import NIOPosix
import Synchronization
import SteepleTestSupport
import Testing

@testable import GRPCUnixServer

#if canImport(Glibc)
import Glibc
#endif

/// ``AcceptGate`` on a real listening socket: a failed accept (EMFILE) pauses accepting for ``AcceptGate/pause``
/// instead of spinning, and accepting starts again by itself.
@Suite("AcceptGate")
struct AcceptGateTests {
    @Test("after an accept fails with EMFILE, a caller waits in the backlog for the pause and is then accepted")
    func backOffAfterFailedAccept() async throws {
        let accepted = Mutex<[ContinuousClock.Instant]>([])
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptGate(logger: Logger(label: "test"), capacity: 100, silent: SilentConnections()))
                }
            }
            .childChannelInitializer { channel in
                accepted.withLock { $0.append(.now) }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        defer { listener.close(promise: nil) }

        // The time is taken on the event loop as the failure is handled: on a loaded machine this thread may only run
        // again after the pause is over (a CI run measured from here and saw the accept 1 ms "after" the failure).
        let failed = try await listener.eventLoop.submit {
            listener.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept4"))
            return ContinuousClock.now
        }.get()
        let caller = try #require(connectTCPSilently(port: port))
        defer { close(caller) }
        let deadline = ContinuousClock.now + .seconds(20)
        while accepted.withLock({ $0.isEmpty }) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let first = try #require(accepted.withLock { $0.first }, "the caller was never accepted")
        // The pause is 1 s; an accept well before that means the listener did not stop.
        #expect(first - failed > .milliseconds(800), "accepted \(first - failed) after the failure")
    }
}
