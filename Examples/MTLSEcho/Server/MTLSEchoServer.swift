// An mTLS echo server whose identity comes from the Workload API (SPIFFE_ENDPOINT_SOCKET).
//
//   example-mtls-echo-server [--host 127.0.0.1] [--port 8443] [--client-id spiffe://example.org/client]
//
// Without --client-id it accepts any client of a trust domain it has a bundle for.
import Logging
import NIOCore
import NIOPosix
import SPIFFE
import SPIFFENIOSSL
import SPIFFEWorkloadAPI

@main
struct MTLSEchoServer {
    static func main() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardOutput)
        let logger = Logger(label: "example-mtls-echo-server")
        let host = flag("--host") ?? "127.0.0.1"
        let port = Int(flag("--port") ?? "8443") ?? 8443
        let authorizer: SPIFFEIDMatcher = try flag("--client-id").map { .id(try SPIFFEID($0)) } ?? .any

        let source = try X509Source()
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await source.run() }
            let me = try await source.ready().defaultSVID.id
            let tls = SPIFFEMTLSServerConfiguration(source: source, authorizer: authorizer, logger: logger)

            let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            logger.info("\(me) listening on \(server.channel.localAddress?.description ?? "?")")

            try await server.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await echo(connection, logger: logger) }
                }
            }
        }
    }

    /// Echoes every message back to the client, naming it by its SPIFFE ID.
    static func echo(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, logger: Logger) async {
        do {
            try await connection.executeThenClose { input, output in
                for try await message in input {
                    // Data only arrives after a verified handshake, so the peer's ID is known.
                    let peer = try await connection.channel.spiffePeerID().get()
                    logger.info("\(peer?.description ?? "?"): \(String(buffer: message))")
                    try await output.write(message)
                }
            }
        } catch {
            logger.info("connection failed: \(error)")
        }
    }
}

/// The value after `name` on the command line.
func flag(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
