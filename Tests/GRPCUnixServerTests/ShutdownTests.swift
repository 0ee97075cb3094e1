import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import SteepleTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("UnixServerTransport socket file and shutdown")
struct ShutdownTests {
    @Test("the socket file gets mode 0777 in a created directory, replacing a stale socket")
    func socketFile() async throws {
        let path = makeSocketPath()
        // A stale socket file left by a dead process: bound once, never removed.
        try SocketDirectory.create(for: path)
        let binder = Process()
        binder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        binder.arguments = ["python3", "-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path]
        try binder.run()
        binder.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: path))

        let transport = UnixServerTransport(configuration: .init(socketPath: path))
        let server = GRPCServer(transport: transport, services: [EchoService(recorder: Recorder())])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await transport.waitUntilListening()
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o7777 == 0o777)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("graceful shutdown lets an open stream finish, then listen returns and the socket file is gone")
    func gracefulShutdown() async throws {
        let path = makeSocketPath()
        let transport = UnixServerTransport(configuration: .init(socketPath: path))
        let recorder = Recorder()
        let server = GRPCServer(transport: transport, services: [EchoService(recorder: recorder)])
        let served = Flag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.serve()
                served.set()
            }
            try await transport.waitUntilListening()
            try await withGRPCClient(
                transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
            ) { client in
                #expect(try await client.echo([1]).message == [1])
                // A held stream, open while shutdown begins.
                let opened = AsyncStream.makeStream(of: Void.self)
                async let held: [UInt8]? = client.serverStreaming(
                    request: ClientRequest(message: [5]), descriptor: EchoService.hold,
                    serializer: BytesCoder(), deserializer: BytesCoder(), options: .defaults
                ) { response in
                    var iterator = response.messages.makeAsyncIterator()
                    let first = try await iterator.next()
                    opened.continuation.yield()
                    try await Task.sleep(for: .milliseconds(500))
                    return first
                }
                for await _ in opened.stream { break }
                transport.beginGracefulShutdown()
                try await Task.sleep(for: .milliseconds(200))
                #expect(!served.isSet)  // still serving the held stream
                #expect(try await held == [5])
            }
            try await group.waitForAll()
        }
        #expect(served.isSet)
        #expect(recorder.cancelled == 1)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("cancelling listen closes open connections and cancels their RPCs")
    func cancelListen() async throws {
        let path = makeSocketPath()
        let transport = UnixServerTransport(configuration: .init(socketPath: path))
        let recorder = Recorder()
        let server = GRPCServer(transport: transport, services: [EchoService(recorder: recorder)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await transport.waitUntilListening()
            let client = try await RawHTTP2Client.start(socketPath: path)
            defer { RawHTTP2Client.kill(client) }
            #expect(await recorder.wait { $0.calls.count == 1 })
            group.cancelAll()
            #expect(await recorder.wait { $0.cancelled == 1 })
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("streams that arrive while listen is cancelled are closed, never dropped unfinished (40 rounds under load)")
    func streamsArrivingDuringCancellation() async throws {
        // A stream the HTTP/2 multiplexer accepts after the connection loop stopped reading (or one left buffered in
        // it) used to be dropped with its async writer unfinished, which NIO traps on: the whole process died.
        //
        // Only the server is cancelled; the client stops starting calls once it is, each call has a 5 s deadline, and
        // the client is cancelled once its calls are done.
        // grpc-swift-nio-transport 2.9.2's client can leave a call in its channel's queue for good when the channel
        // is idle (here: right after the server went away): `GRPCChannel.enqueue` pokes the load balancer to connect
        // and waits, and now and then nothing resumes the call. Cancelling the calling tasks does not free it when
        // the task was cancelled before the call was queued (the cancellation handler ran first, found nothing, and
        // the `.poke` path does not look at `Task.isCancelled` again); a deadline does, because it cancels the call
        // once it is queued. `withGRPCClient` fails queued calls only when it closes, which it does after its body,
        // so a stuck call hung the whole test run (docs/swift-notes.md).
        var fiveSeconds = CallOptions.defaults
        fiveSeconds.timeout = .seconds(5)
        let options = fiveSeconds
        for round in 0..<40 {
            let progress = RoundProgress()
            do {
                try await withTimeLimit(.seconds(60), "round \(round)") {
                    let path = makeSocketPath()
                    let transport = UnixServerTransport(configuration: .init(socketPath: path))
                    let server = GRPCServer(transport: transport, services: [EchoService(recorder: Recorder())])
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await server.serve() }
                        try await transport.waitUntilListening()
                        let clients = Task {
                            try? await withGRPCClient(
                                transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
                            ) { client in
                                await withTaskGroup(of: Void.self) { calls in
                                    for _ in 0..<32 {
                                        calls.addTask {
                                            for _ in 0..<20 where !progress.serverCancelled {
                                                progress.callStarted()
                                                _ = try? await client.echo([1], options: options)
                                                progress.callEnded()
                                            }
                                        }
                                    }
                                }
                                progress.phase = "the client's calls are done; it is closing"
                            }
                        }
                        try await Task.sleep(for: .milliseconds(Int.random(in: 2...15)))
                        group.cancelAll()
                        progress.serverCancelled = true
                        progress.phase = "the server was cancelled; waiting for the client's calls"
                        while !progress.phase.hasPrefix("the client's calls are done") {
                            try await Task.sleep(for: .milliseconds(10))
                        }
                        // With no call left, cancel the client instead of waiting for its graceful shutdown, which
                        // grpc-swift-nio-transport 2.9.2 did not always finish with the server gone.
                        clients.cancel()
                        _ = await clients.value
                        progress.phase = "the client is done; waiting for the server to stop"
                    }
                }
            } catch let error as TimeLimitExceeded {
                Issue.record("\(error): \(progress)")
                return
            }
        }
    }

    @Test("a second server refuses a socket a live server answers on, and the first keeps serving")
    func liveSocketRefused() async throws {
        let path = makeSocketPath()
        let first = UnixServerTransport(configuration: .init(socketPath: path))
        let firstServer = GRPCServer(transport: first, services: [EchoService(recorder: Recorder())])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await firstServer.serve() }
            try await first.waitUntilListening()
            let second = UnixServerTransport(configuration: .init(socketPath: path))
            let secondServer = GRPCServer(transport: second, services: [EchoService(recorder: Recorder())])
            await #expect {
                try await secondServer.serve()
            } throws: { error in
                let transportError = unixTransportError(in: error)
                return transportError?.code == .socketInUse
            }
            try await withGRPCClient(
                transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
            ) { client in
                let echoed = try await client.echo([5]).message
                #expect(echoed == [5])
            }
            firstServer.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Only root can make a directory that belongs to someone else (the test command runs as root).
    @Test("a socket directory owned by another non-root user is refused", .enabled(if: geteuid() == 0))
    func foreignDirectory() async throws {
        let path = makeSocketPath()
        try SocketDirectory.create(for: path)
        let directory = String(path[..<path.lastIndex(of: "/")!])
        #expect(chown(directory, 65534, 65534) == 0)
        let transport = UnixServerTransport(configuration: .init(socketPath: path))
        let server = GRPCServer(transport: transport, services: [EchoService(recorder: Recorder())])
        await #expect {
            try await server.serve()
        } throws: { error in
            let transportError = unixTransportError(in: error)
            return transportError?.code == .socketDirectoryOwner && transportError?.message.contains("uid 65534") == true
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a server that stops leaves alone a socket file a newer server bound at the same path")
    func takeover() async throws {
        let path = makeSocketPath()
        let old = UnixServerTransport(configuration: .init(socketPath: path))
        let new = UnixServerTransport(configuration: .init(socketPath: path))
        let oldServer = GRPCServer(transport: old, services: [EchoService(recorder: Recorder())])
        let newServer = GRPCServer(transport: new, services: [EchoService(recorder: Recorder())])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await oldServer.serve() }
            try await old.waitUntilListening()
            // The old server's file was removed behind its back (by an operator, or a cleaner of /tmp), so the new
            // one may bind the path: a live socket file is never replaced.
            unlink(path)
            group.addTask { try await newServer.serve() }
            try await new.waitUntilListening()
            #expect(FileManager.default.fileExists(atPath: path))
            oldServer.beginGracefulShutdown()
            try await group.next()
            #expect(FileManager.default.fileExists(atPath: path))
            try await withGRPCClient(
                transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
            ) { client in
                let echoed = try await client.echo([4]).message
                #expect(echoed == [4])
            }
            newServer.beginGracefulShutdown()
            try await group.waitForAll()
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("waitUntilListening throws when the socket cannot be bound")
    func bindFailure() async throws {
        let transport = UnixServerTransport(configuration: .init(socketPath: "/proc/self/no/such/dir/agent.sock"))
        let server = GRPCServer(transport: transport, services: [])
        let serving = Task { try await server.serve() }
        await #expect(throws: (any Error).self) { try await transport.waitUntilListening() }
        await #expect(throws: (any Error).self) { try await serving.value }
    }
}

enum SocketDirectory {
    static func create(for socketPath: String) throws {
        let directory = String(socketPath[..<socketPath.lastIndex(of: "/")!])
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
}

final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// The transport's own error, however GRPCCore wrapped it (`serve()` throws a `RuntimeError` whose cause is the
/// transport's error; a client sees an `RPCError`).
func unixTransportError(in error: any Error) -> UnixServerTransportError? {
    if let error = error as? UnixServerTransportError { return error }
    if let error = error as? RuntimeError, let cause = error.cause { return unixTransportError(in: cause) }
    if let error = error as? RPCError, let cause = error.cause { return unixTransportError(in: cause) }
    return nil
}

/// Where a round of `streamsArrivingDuringCancellation` is, for the message when it runs out of time.
private final class RoundProgress: Sendable, CustomStringConvertible {
    private let state = Mutex<(phase: String, serverCancelled: Bool, callsInFlight: Int)>(("serving calls", false, 0))

    var phase: String {
        get { state.withLock { $0.phase } }
        set { state.withLock { $0.phase = newValue } }
    }
    var serverCancelled: Bool {
        get { state.withLock { $0.serverCancelled } }
        set { state.withLock { $0.serverCancelled = newValue } }
    }
    func callStarted() { state.withLock { $0.callsInFlight += 1 } }
    func callEnded() { state.withLock { $0.callsInFlight -= 1 } }
    var description: String { state.withLock { "\($0.phase), \($0.callsInFlight) calls in flight" } }
}
