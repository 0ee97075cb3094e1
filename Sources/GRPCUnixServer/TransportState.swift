import GRPCCore
import Logging
import NIOCore
import Synchronization

/// The mutable part of a transport (``UnixServerTransport``, ``TLSServerTransport``: structs whose copies share this
/// object), and the listen / wait / shut-down sequence both follow.
final class TransportState: Sendable {
    enum Phase {
        case idle
        case starting
        case listening(any Channel)
        case stopped
    }

    struct Inner {
        var phase = Phase.idle
        var shutdownRequested = false
        var connections: [ObjectIdentifier: ConnectionLifecycle] = [:]
        var listeningWaiters: [CheckedContinuation<Void, any Error>] = []
        var descriptorsByPath: [String: MethodDescriptor] = [:]
    }

    let inner = Mutex(Inner())
    /// How long connections may keep their streams after a graceful shutdown began (nil: as long as they need).
    let gracePeriod: TimeAmount?

    init(gracePeriod: TimeAmount? = nil) {
        self.gracePeriod = gracePeriod
    }

    /// Remembers the methods the server registered, by request path.
    func configure(_ context: GRPCServerContext) {
        var byPath: [String: MethodDescriptor] = [:]
        for method in context.methods {
            byPath["/" + method.fullyQualifiedMethod] = method
        }
        inner.withLock { $0.descriptorsByPath = byPath }
    }

    var descriptorsByPath: [String: MethodDescriptor] { inner.withLock { $0.descriptorsByPath } }

    /// Wakes everyone waiting for the transport to listen: successfully, or with `error`.
    func resumeWaiters(throwing error: (any Error)?) {
        let waiters = inner.withLock { inner in
            defer { inner.listeningWaiters = [] }
            return inner.listeningWaiters
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    /// Returns once the listener is accepting; throws if the transport stopped or failed first.
    func waitUntilListening() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, any Error>? = inner.withLock { inner in
                switch inner.phase {
                case .listening: return .success(())
                case .stopped: return .failure(UnixServerTransportError(.notListening, "the transport has stopped"))
                case .idle, .starting:
                    inner.listeningWaiters.append(continuation)
                    return nil
                }
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    /// Stops accepting, sends GOAWAY on every connection and closes each once its streams have ended, or after
    /// `gracePeriod` when one is given.
    func beginGracefulShutdown() {
        let (listener, connections) = inner.withLock { inner -> ((any Channel)?, [ConnectionLifecycle]) in
            inner.shutdownRequested = true
            if case .listening(let channel) = inner.phase {
                return (channel, Array(inner.connections.values))
            }
            return (nil, Array(inner.connections.values))
        }
        listener?.close(promise: nil)
        for connection in connections { connection.beginQuiescing(deadline: gracePeriod) }
    }

    /// Binds with `bind` (which returns the listener and what to undo when it stops), then serves every accepted
    /// connection until the listener closes; `listening` names the listener in the log.
    func listen(
        listening: Logger.Metadata,
        localPeer: String,
        logger: Logger,
        bind: () async throws -> (listener: NIOAsyncChannel<AcceptedConnection, Never>, cleanUp: @Sendable () -> Void),
        streamHandler: @escaping @Sendable (RPCStream<RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>, RPCWriter<RPCResponsePart<[UInt8]>>.Closable>, ServerContext) async -> Void
    ) async throws {
        let (alreadyStarted, stopEarly) = inner.withLock { inner -> (Bool, Bool) in
            guard case .idle = inner.phase else { return (true, false) }
            inner.phase = inner.shutdownRequested ? .stopped : .starting
            return (false, inner.shutdownRequested)
        }
        if alreadyStarted {
            throw UnixServerTransportError(.alreadyListening, "listen(streamHandler:) was already called on this transport")
        }
        if stopEarly {
            resumeWaiters(throwing: UnixServerTransportError(.notListening, "shut down before listening"))
            return
        }

        let server: NIOAsyncChannel<AcceptedConnection, Never>
        let cleanUp: @Sendable () -> Void
        do {
            (server, cleanUp) = try await bind()
        } catch {
            inner.withLock { $0.phase = .stopped }
            resumeWaiters(throwing: error)
            throw error
        }
        defer {
            cleanUp()
            inner.withLock { $0.phase = .stopped }
            resumeWaiters(throwing: UnixServerTransportError(.notListening, "the transport has stopped"))
        }

        let shutdownRequested = inner.withLock { inner in
            inner.phase = .listening(server.channel)
            return inner.shutdownRequested
        }
        if shutdownRequested { server.channel.close(promise: nil) }
        resumeWaiters(throwing: nil)
        logger.info("listening", metadata: listening)

        try await server.executeThenClose { connections in
            try await withThrowingDiscardingTaskGroup { group in
                for try await connection in connections {
                    let id = ObjectIdentifier(connection.lifecycle)
                    let quiesce = inner.withLock { inner in
                        inner.connections[id] = connection.lifecycle
                        return inner.shutdownRequested
                    }
                    if quiesce { connection.lifecycle.beginQuiescing(deadline: gracePeriod) }
                    group.addTask {
                        await ConnectionServing.serve(connection, localPeer: localPeer, logger: logger, streamHandler: streamHandler)
                        _ = self.inner.withLock { $0.connections.removeValue(forKey: id) }
                    }
                }
            }
        }
        logger.info("stopped", metadata: listening)
    }
}
