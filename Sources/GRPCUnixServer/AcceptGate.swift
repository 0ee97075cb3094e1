import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Decides when the listener accepts: it stops (turns `autoRead` off, which unregisters the listening socket; waiting
/// clients stay in the listen backlog, open connections keep being served) for two reasons, and starts again when
/// both have passed.
///
/// - **At capacity.** At most `capacity` connections are open at once, a number taken from the process's open-file
///   limit with a reserve left over (``capacity(openFileLimit:descriptorsPerConnection:)``), so that a flood of idle local connections can never
///   take the descriptors the process itself needs: its connection to the server, the files it writes, a pidfd per
///   caller, and the crash reporter. (Issue #11 showed the flood spinning the agent at 100 % CPU; a later CI run showed
///   it crashing the agent once a descriptor it needed could not be had.) While at capacity, every
///   `silenceUnderPressure` the connections that have not sent a byte for that long are closed (a real client sends
///   its HTTP/2 preface as it connects), so a flood of idle connections delays real callers by seconds, not by the
///   whole silent-connection timeout per batch.
/// - **After a failed accept.** When an `accept` fails anyway (the descriptors went elsewhere in the process, or the
///   system table is full), NIO leaves the socket registered, epoll reports it readable again at once, and the event
///   loop spins; accepting pauses for ``pause`` instead.
///
/// Both are logged, rate-limited. Event-loop bound; connections are counted in ``OpenConnections``, which closing
/// connections update from their own event loops.
final class AcceptGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    static let pause = TimeAmount.seconds(1)

    /// Connections left for `openFileLimit` descriptors: each connection costs `descriptorsPerConnection` (two on a
    /// Unix socket: its socket and the caller's pidfd; one over TCP), and an eighth of the limit, at least 64, stays in
    /// reserve for everything else.
    static func capacity(openFileLimit: Int, descriptorsPerConnection: Int = 2) -> Int {
        let reserve = max(64, openFileLimit / 8)
        return max(1, (openFileLimit - reserve) / max(1, descriptorsPerConnection))
    }

    /// The soft `RLIMIT_NOFILE` of this process, or nil when it is unlimited or unreadable.
    static func openFileLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    private let logger: Logger
    private let capacity: Int
    private let open: OpenConnections
    private let silent: SilentConnections
    private let silenceUnderPressure: TimeAmount
    private let failureLog = RateLimitedLog()
    private let capacityLog = RateLimitedLog()
    private var resume: Scheduled<Void>?
    private var sweep: Scheduled<Void>?
    private var atCapacity = false

    init(
        logger: Logger, capacity: Int, silent: SilentConnections,
        silenceUnderPressure: TimeAmount = .seconds(2), open: OpenConnections = OpenConnections()
    ) {
        self.silenceUnderPressure = silenceUnderPressure
        self.logger = logger
        self.capacity = capacity
        self.silent = silent
        self.open = open
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        let count = open.opened()
        let gate = NIOLoopBound(self, eventLoop: context.eventLoop)
        let listener = context.channel
        let open = self.open
        connection.closeFuture.whenComplete { _ in
            open.closed()
            listener.eventLoop.execute { gate.value.connectionClosed(listener: listener) }
        }
        if count >= capacity, !atCapacity {
            atCapacity = true
            capacityLog.event { suppressed in
                logger.warning(
                    "at the connection limit; pausing accepts until a connection closes, open connections are still served",
                    metadata: [
                        "open_connections": "\(count)", "limit": "\(capacity)",
                        "silent_connections": "\(silent.count)", "suppressed_since_last": "\(suppressed)",
                    ])
            }
            updateAutoRead(listener)
            scheduleSweep(context: context)
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let io = error as? IOError {
            let exhausted = io.errnoCode == EMFILE || io.errnoCode == ENFILE
            failureLog.event { suppressed in
                logger.error(
                    exhausted
                        ? "cannot accept connections: out of file descriptors; pausing accepts, open connections are still served"
                        : "cannot accept connections; pausing accepts",
                    metadata: ["error": "\(io)", "suppressed_since_last": "\(suppressed)"])
            }
            backOff(context: context)
        }
        context.fireErrorCaught(error)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        sweep?.cancel()
        sweep = nil
    }

    /// While at capacity: closes the connections silent for `silenceUnderPressure`, then looks again after as long.
    private func scheduleSweep(context: ChannelHandlerContext) {
        guard sweep == nil else { return }
        let silent = self.silent
        sweep = context.eventLoop.assumeIsolated().scheduleTask(in: silenceUnderPressure) { [self] in
            sweep = nil
            guard atCapacity else { return }
            let idle = silent.takeSilent(acceptedBefore: .now() - silenceUnderPressure)
            for connection in idle { connection.close(promise: nil) }
            if !idle.isEmpty {
                logger.debug("at the connection limit: closed connections silent since accepted", metadata: ["count": "\(idle.count)"])
            }
            scheduleSweep(context: context)
        }
    }

    private func connectionClosed(listener: any Channel) {
        guard atCapacity, open.count < capacity else { return }
        atCapacity = false
        updateAutoRead(listener)
    }

    private func backOff(context: ChannelHandlerContext) {
        guard resume == nil else { return }
        let listener = context.channel
        resume = context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) { [self] in
            resume = nil
            updateAutoRead(listener)
        }
        updateAutoRead(listener)
    }

    private func updateAutoRead(_ listener: any Channel) {
        guard listener.isActive, let options = listener.syncOptions else { return }
        try? options.setOption(.autoRead, value: resume == nil && !atCapacity)
    }
}

/// How many accepted connections are open; shared by the listener's ``AcceptGate`` and the connections' close
/// callbacks, which run on other event loops.
final class OpenConnections: Sendable {
    private let value = Atomic<Int>(0)

    init() {}

    /// Counts a new connection; returns the count including it.
    func opened() -> Int { value.add(1, ordering: .relaxed).newValue }

    func closed() { value.subtract(1, ordering: .relaxed) }

    var count: Int { value.load(ordering: .relaxed) }
}
