import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A fresh socket path in a directory that does not exist yet (the transport creates it).
func makeSocketPath() -> String {
    "/tmp/steeple-unix-server-tests/\(getpid())-\(UInt32.random(in: 0...UInt32.max))/sub/agent.sock"
}

/// Runs `body` against an echo server on our transport and a grpc-swift-2 client (stock Posix client
/// transport) connected to it; the server is cancelled afterwards.
@discardableResult
func withEchoServer<Result: Sendable>(
    configure: (inout UnixServerTransport.Configuration) -> Void = { _ in },
    _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>, Recorder, UnixServerTransport) async throws -> Result
) async throws -> Result {
    var configuration = UnixServerTransport.Configuration(socketPath: makeSocketPath())
    configure(&configuration)
    let transport = UnixServerTransport(configuration: configuration)
    let recorder = Recorder()
    let server = GRPCServer(transport: transport, services: [EchoService(recorder: recorder)])
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        try await transport.waitUntilListening()
        let result = try await withGRPCClient(
            transport: try HTTP2ClientTransport.Posix(
                target: .unixDomainSocket(path: configuration.socketPath), transportSecurity: .plaintext)
        ) { client in
            try await body(client, recorder, transport)
        }
        group.cancelAll()
        return result
    }
}

extension GRPCClient {
    /// Calls `test.Echo/Unary`.
    func echo(_ message: [UInt8], metadata: Metadata = [:], options: CallOptions = .defaults) async throws -> ClientResponse<[UInt8]> {
        try await unary(
            request: ClientRequest(message: message, metadata: metadata),
            descriptor: EchoService.unary,
            serializer: BytesCoder(),
            deserializer: BytesCoder(),
            options: options
        ) { $0 }
    }

    /// `echo`, tried for up to 10 s while it fails with `Unavailable` (a call that lands on a connection the server is
    /// closing for idleness, or while the client dials again, which takes seconds on a loaded CI machine).
    func echoRetryingUnavailable(_ message: [UInt8]) async throws -> [UInt8] {
        for _ in 0..<40 {
            do {
                return try await echo(message).message
            } catch let error as RPCError where error.code == .unavailable {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        return try await echo(message).message
    }

    /// Calls `test.Echo/Hold`, returns its first message and cancels the stream by returning early
    /// (py-spiffe's fetch_x509_svid pattern: one RST_STREAM per call).
    func fetchFirstThenCancel(_ message: [UInt8] = [1, 2, 3]) async throws -> [UInt8]? {
        try await serverStreaming(
            request: ClientRequest(message: message),
            descriptor: EchoService.hold,
            serializer: BytesCoder(),
            deserializer: BytesCoder(),
            options: .defaults
        ) { response in
            for try await message in response.messages { return message }
            return nil
        }
    }
}

extension GRPCClient {
    /// Calls `test.Echo/Hold` and keeps the stream open (reading it) until the calling task is cancelled.
    func fetchFirstThenHold(_ message: [UInt8]) async throws {
        try await serverStreaming(
            request: ClientRequest(message: message),
            descriptor: EchoService.hold,
            serializer: BytesCoder(),
            deserializer: BytesCoder(),
            options: .defaults
        ) { response in
            for try await _ in response.messages {}
        }
    }
}
