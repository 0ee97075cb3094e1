import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import SteepleServerAPIProto
import SteepleTelemetry

/// `health_checks { listener_enabled = true }`: answers `GET <live_path>` and `GET <ready_path>` with 200 or 500
/// and a one-line JSON body. Ready means the datastore answers and the CA can sign.
struct HealthHTTPServer: Service {
    let core: ServerCore
    let configuration: HealthCheckConfiguration
    let logger: Logger

    func run() async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: configuration.bindAddress, port: configuration.bindPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return OwnedHTTPConnection(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                }
            }
        logger.info("health listener started", metadata: ["address": "\(configuration.bindAddress):\(configuration.bindPort)"])
        try await untilGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                try await channel.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { try? await handle(connection.channel) }
                    }
                }
            }
        }
    }

    private func handle(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var path = ""
            for try await part in inbound {
                switch part {
                case .head(let head): path = head.uri
                case .body: break
                case .end:
                    let health = await Health.check(bundles: core.store, authority: core.ca, now: core.now)
                    let (ok, body): (Bool, String)
                    switch path {
                    case configuration.livePath: (ok, body) = (health.live, #"{"live":\#(health.live)}"#)
                    case configuration.readyPath:
                        (ok, body) = (health.ready, #"{"ready":\#(health.ready),"datastore":"\#(health.datastore)","ca":"\#(health.ca)"}"#)
                    default:
                        try await respond(outbound, status: .notFound, body: #"{"error":"not found"}"#)
                        return
                    }
                    try await respond(outbound, status: ok ? .ok : .internalServerError, body: body)
                    return
                }
            }
        }
    }

    private func respond(_ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>, status: HTTPResponseStatus, body: String) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "close")
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
        try await outbound.write(.end(nil))
    }
}
