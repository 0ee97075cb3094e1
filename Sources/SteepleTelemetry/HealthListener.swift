package import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// `health_checks { listener_enabled = true }`: plain HTTP/1 on `bind_address:bind_port`, one request per connection,
/// answered as ``HealthRouter`` says: `GET <live_path>` and `GET <ready_path>` with 200 when the ``HealthReporter``
/// says healthy, 500 otherwise (as SPIRE's), and a one-line JSON body (`{"live":true}`, `{"ready":false,"…":"why"}`).
///
/// Binding and serving are separate steps, so that a process can bind first (a port already taken stops it before it
/// does anything else) and serve from then on: ``bind(_:logger:)``, then ``serve(_:)`` until the task is cancelled.
package struct HealthListener: Sendable {
    package var configuration: HealthCheckConfiguration { router.configuration }
    /// The bound port: `bind_port`, or the one the system chose for 0.
    package let port: Int
    private let channel: NIOAsyncChannel<OwnedHTTPConnection, Never>
    private let router: HealthRouter

    /// Binds `bind_address:bind_port`; the returned listener must be served (``serve(_:)``), which also closes it.
    /// - Throws: ``HealthListenerError`` naming the address and port when they cannot be bound (taken, no such
    ///   address, not allowed).
    package static func bind(_ configuration: HealthCheckConfiguration, logger: Logger) async throws(HealthListenerError) -> HealthListener {
        let channel: NIOAsyncChannel<OwnedHTTPConnection, Never>
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: configuration.bindAddress, port: configuration.bindPort) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return OwnedHTTPConnection(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                    }
                }
        } catch {
            throw HealthListenerError(
                "health_checks cannot listen on \(configuration.bindAddress):\(configuration.bindPort): \(error); "
                    + "set health_checks.bind_port to a free port (or stop what holds this one)")
        }
        let port = channel.channel.localAddress?.port ?? configuration.bindPort
        // SPIRE's message.
        logger.info("Serving health checks", metadata: [
            "address": "\(configuration.bindAddress):\(port)", "live_path": "\(configuration.livePath)", "ready_path": "\(configuration.readyPath)",
        ])
        return HealthListener(port: port, channel: channel, router: HealthRouter(configuration: configuration))
    }

    /// Answers requests, each on a task of its own, asking `reporter` for every one, until the calling task is
    /// cancelled; then closes the listener and returns.
    /// - Throws: ``HealthListenerError`` when the listener stops accepting connections while not cancelled.
    package func serve(_ reporter: some HealthReporter) async throws {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await respondInTime(on: connection.channel, reporter) }
                    }
                }
            }
        } catch {
            if Task.isCancelled { return }
            throw error
        }
        if !Task.isCancelled {
            throw HealthListenerError("the health listener on \(configuration.bindAddress):\(port) stopped accepting connections")
        }
    }

    /// How long a connection may take to send its request and get the answer (SPIRE's `ReadHeaderTimeout` is 10 s), so
    /// that a client that never finishes its request, or a check that hangs, does not keep a connection open for ever.
    static let requestTimeout: Duration = .seconds(10)

    /// ``respond(on:_:)`` within ``requestTimeout``; past it the connection is closed unanswered.
    private func respondInTime(on connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ reporter: some HealthReporter) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await respond(on: connection, reporter) }
            group.addTask {
                guard (try? await Task.sleep(for: Self.requestTimeout)) != nil else { return }
                connection.channel.close(promise: nil)
            }
            _ = await group.next()
            group.cancelAll()
        }
    }

    private func respond(on connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ reporter: some HealthReporter) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var request: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let head): request = head
                case .body: break
                case .end:
                    guard let request else { return }
                    let (status, body) = await router.answer(method: request.method, uri: request.uri, reporter)
                    try await write(outbound, status: status, body: body, sendBody: request.method != .HEAD)
                    return
                }
            }
        }
    }

    /// The response; to `HEAD`, the head alone (with the length the body would have).
    private func write(
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, status: HTTPResponseStatus, body: String, sendBody: Bool
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        if status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD") }
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        if sendBody { try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body)))) }
        try await outbound.write(.end(nil))
    }
}
