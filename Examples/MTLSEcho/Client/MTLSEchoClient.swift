// An mTLS echo client whose identity comes from the Workload API (SPIFFE_ENDPOINT_SOCKET).
//
//   example-mtls-echo-client [--host 127.0.0.1] [--port 8443] [--server-id spiffe://example.org/server] [--message hi]
//
// Without --server-id it accepts any server of a trust domain it has a bundle for.
import NIOCore
import NIOPosix
import NIOTLS
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

            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let serverIDPromise: EventLoopPromise<SPIFFEID?> = loop.makePromise()
            let connection = try await ClientBootstrap(group: loop)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                        try channel.pipeline.syncOperations.addHandler(PeerIDRecorder(promise: serverIDPromise))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            // The server's ID, read when the handshake completes: a server that closes right after its reply
            // takes the TLS handler (and the ID with it) out of the pipeline.
            let serverID = try await serverIDPromise.futureResult.get()
            try await connection.executeThenClose { input, output in
                try await output.write(ByteBuffer(string: message))
                for try await reply in input {
                    print("\(serverID?.description ?? "?") replied: \(String(buffer: reply))")
                    break
                }
            }
            group.cancelAll()
        }
    }
}

/// Fulfils `promise` with the server's verified SPIFFE ID once the TLS handshake completes (or fails it when the
/// connection closes first).
final class PeerIDRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<SPIFFEID?>
    private var completed = false

    init(promise: EventLoopPromise<SPIFFEID?>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !completed, case .handshakeCompleted = event as? TLSUserEvent {
            completed = true
            promise.completeWith(Result { try context.pipeline.syncOperations.spiffePeerID() })
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !completed {
            completed = true
            promise.fail(ChannelError.ioOnClosedChannel)
        }
        context.fireChannelInactive()
    }
}

/// The value after `name` on the command line.
func flag(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
