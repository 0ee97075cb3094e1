// An mTLS echo client whose identity comes from the Workload API (SPIFFE_ENDPOINT_SOCKET).
//
//   example-mtls-echo-client [--host 127.0.0.1] [--port 8443] [--server-id spiffe://example.org/server] [--message hi]
//
// Without --server-id it accepts any server of a trust domain it has a bundle for.
import NIOCore
import NIOPosix
import SPIFFE
import SPIFFENIOSSL
import SPIFFEWorkloadAPI

@main
struct MTLSEchoClient {
    static func main() async throws {
        let host = flag("--host") ?? "127.0.0.1"
        let port = Int(flag("--port") ?? "8443") ?? 8443
        let authorizer: SPIFFEIDMatcher = try flag("--server-id").map { .id(try SPIFFEID($0)) } ?? .any
        let message = flag("--message") ?? "hello"

        let source = try X509Source()
        try await withThrowingTaskGroup { group in
            group.addTask { try await source.run() }
            _ = try await source.ready()
            let tls = SPIFFEMTLSClientConfiguration(source: source, authorizer: authorizer)

            let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            try await connection.executeThenClose { input, output in
                try await output.write(ByteBuffer(string: message))
                for try await reply in input {
                    let server = try await connection.channel.spiffePeerID().get()
                    print("\(server?.description ?? "?") replied: \(String(buffer: reply))")
                    break
                }
            }
            group.cancelAll()
        }
    }
}

/// The value after `name` on the command line.
func flag(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
