import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// `telemetry { Prometheus { host, port } }`: answers `GET /metrics` (any path, as SPIRE's exporter does) with the
/// registry in the Prometheus text format, one request per connection.
struct PrometheusExporter: Service {
    let listener: TelemetryConfiguration.PrometheusListener
    let factory: GuardedPrometheusFactory
    let logger: Logger
    /// Runs before each scrape: gauges that are read, not pushed (uptime).
    let beforeScrape: @Sendable () -> Void

    func run() async throws {
        let channel: NIOAsyncChannel<OwnedHTTPConnection, Never>
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: listener.host, port: listener.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        return OwnedHTTPConnection(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                    }
                }
        } catch {
            throw TelemetryError("telemetry.Prometheus cannot listen on \(listener.host):\(listener.port): \(error); choose a free port")
        }
        if listener.host != "localhost" && listener.host != "127.0.0.1" && listener.host != "::1" {
            // SPIRE's warning: the exporter answers anyone who can reach it.
            logger.warning("Agent is now configured to accept remote network connections for Prometheus stats collection. Please ensure access to this port is tightly controlled")
        }
        logger.info("Starting prometheus exporter", metadata: ["host": "\(listener.host)", "port": "\(listener.port)"])
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { try? await serve(connection.channel) }
                    }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var method = HTTPMethod.GET
            for try await part in inbound {
                switch part {
                case .head(let head): method = head.method
                case .body: break
                case .end:
                    var headers = HTTPHeaders()
                    headers.add(name: "Connection", value: "close")
                    guard method == .GET || method == .HEAD else {
                        headers.add(name: "Content-Length", value: "0")
                        headers.add(name: "Allow", value: "GET, HEAD")
                        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .methodNotAllowed, headers: headers)))
                        try await outbound.write(.end(nil))
                        return
                    }
                    beforeScrape()
                    let body = factory.registry.emitToBuffer()
                    headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
                    headers.add(name: "Content-Length", value: String(body.count))
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
                    if method == .GET {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                    }
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }
}
