import GRPCCore
import GRPCNIOTransportHTTP2
public import Logging
import SPIFFE
import SPIFFEWorkloadAPIProto
public import ServiceLifecycle

/// A client of the SPIFFE Workload API (go-spiffe's `workloadapi.Client`): fetches and watches this workload's
/// X509-SVIDs, JWT-SVIDs and bundles over one HTTP/2 connection to the endpoint.
///
/// Every call carries the security header `workload.spiffe.io: true` (SPEC §6.4). Failures are
/// ``WorkloadAPIError``s whose code maps the server's status and whose message is the server's.
///
/// ## Lifecycle
/// The connection is driven by ``run()``, which must be running for calls to complete. Prefer the scoped form,
/// which cannot be misused:
///
/// ```swift
/// let svid = try await withWorkloadAPIClient { client in
///     try await client.fetchX509SVID()
/// }
/// ```
///
/// For a long-lived client, run it as a swift-service-lifecycle `Service` in a `ServiceGroup` (graceful shutdown
/// closes it), or call ``run()`` in a task of your own and ``close()`` when done.
///
/// ## Fetches reuse one stream per kind
/// `FetchX509SVID`, `FetchX509Bundles` and `FetchJWTBundles` are server streams that stay open (SPEC §6.5). A
/// fetch that read one message and cancelled would cost the server one `RST_STREAM` per call, and HTTP/2 servers
/// drop a connection that sends too many (swift-nio-http2: 200 in 30 s). So the first ``fetchX509Context()``
/// (or ``fetchX509Bundles()``, ``fetchJWTBundles()``) opens the stream and keeps it open; later fetches answer
/// with its latest message, which the server keeps current. The stream is reset once, by ``close()``. If the
/// stream fails, the failing fetch throws and the next one opens a new stream. `FetchJWTSVID` and
/// `ValidateJWTSVID` are unary and cost no reset.
public final class WorkloadAPIClient: Sendable {
    /// The endpoint this client connects to.
    public let endpoint: WorkloadAPIEndpoint

    let logger: Logger
    let grpcClient: GRPCClient<HTTP2ClientTransport.Posix>
    let stub: WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>
    let tasks: TaskRegistry
    let sharedX509Contexts: SharedStream<X509Context>
    let sharedX509Bundles: SharedStream<X509BundleSet>
    let sharedJWTBundles: SharedStream<JWTBundleSet>

    /// Creates a client of `endpoint`. Nothing connects until ``run()`` runs.
    ///
    /// - Parameters:
    ///   - endpoint: where the Workload API listens; see ``WorkloadAPIEndpoint/fromEnvironment(_:)``.
    ///   - logger: where the client logs stream failures; silent by default.
    /// - Throws: ``WorkloadAPIError/Code/unavailable`` when no transport can be made for the endpoint.
    public init(
        endpoint: WorkloadAPIEndpoint,
        logger: Logger = Logger(label: "spiffe.workloadapi", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(WorkloadAPIError) {
        let target: any ResolvableTarget
        switch endpoint.address {
        case .unixSocket(let path):
            // gRPC C-core sends authority "localhost" on a Unix socket; servers must not check it (SPEC §7.3).
            target = .unixDomainSocket(path: path, authority: "localhost")
        case .tcp(let ip, let port):
            target = ip.contains(":") ? .ipv6(address: ip, port: port) : .ipv4(address: ip, port: port)
        }
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: .plaintext)
        } catch {
            throw WorkloadAPIError.mapping(error, call: "connect to \(endpoint)")
        }
        let grpcClient = GRPCClient(transport: transport, interceptors: [SecurityHeaderInterceptor()])
        let stub = WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: grpcClient)
        let tasks = TaskRegistry()
        self.endpoint = endpoint
        self.logger = logger
        self.grpcClient = grpcClient
        self.stub = stub
        self.tasks = tasks
        self.sharedX509Contexts = SharedStream(tasks: tasks) { deliver in
            await WorkloadAPIRPC.x509Context(stub).runShared(logger: logger, deliver: deliver)
        }
        self.sharedX509Bundles = SharedStream(tasks: tasks) { deliver in
            await WorkloadAPIRPC.x509Bundles(stub).runShared(logger: logger, deliver: deliver)
        }
        self.sharedJWTBundles = SharedStream(tasks: tasks) { deliver in
            await WorkloadAPIRPC.jwtBundles(stub).runShared(logger: logger, deliver: deliver)
        }
    }

    /// Stops the client: open watches end with ``WorkloadAPIError/Code/clientClosed``, the shared fetch streams
    /// are cancelled, new calls fail with ``WorkloadAPIError/Code/clientClosed``, and ``run()`` returns once
    /// calls still in flight have finished. Calling it again does nothing.
    public func close() {
        tasks.closeAll()
        grpcClient.beginGracefulShutdown()
    }

    /// Starts a watch of `rpc` in a task of this client; a malformed message ends it.
    func watch<Message: Sendable, Element: Sendable>(_ rpc: StreamingRPC<Message, Element>) -> WorkloadAPIWatch<Element> {
        watch(rpc.name) { yield in
            try await rpc.call { response in
                for try await message in response.messages {
                    yield(try rpc.parse(message))
                }
            }
        }
    }

    /// Starts a watch: runs `produce` in a task of this client and hands its values to the returned sequence.
    private func watch<Element: Sendable>(
        _ call: String,
        _ produce: @escaping @Sendable (_ yield: @escaping @Sendable (Element) -> Void) async throws -> Void
    ) -> WorkloadAPIWatch<Element> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(1))
        let tasks = self.tasks
        let id = tasks.spawn {
            do {
                try await produce { continuation.yield($0) }
                continuation.finish(throwing: WorkloadAPIError(code: .streamEnded, message: "the server ended the \(call) stream"))
            } catch {
                let closed = tasks.isClosed
                continuation.finish(
                    throwing: closed
                        ? WorkloadAPIError(code: .clientClosed, message: "the client is closed")
                        : WorkloadAPIError.mapping(error, call: call)
                )
            }
        }
        if let id {
            continuation.onTermination = { _ in tasks.cancel(id) }
        } else {
            continuation.finish(throwing: WorkloadAPIError(code: .clientClosed, message: "the client is closed"))
        }
        return WorkloadAPIWatch(stream: stream)
    }
}

extension WorkloadAPIClient: Service {
    /// Runs the connection until ``close()`` (or a graceful shutdown of the enclosing `ServiceGroup`) and the
    /// calls in flight finish. Cancelling the task running it stops every call at once. Call it at most once.
    ///
    /// When ``close()`` came first, it returns at once.
    ///
    /// - Throws: ``WorkloadAPIError`` with code ``WorkloadAPIError/Code/unavailable`` when the transport fails, or
    ///   ``WorkloadAPIError/Code/clientClosed`` when the client already ran.
    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await grpcClient.runConnections()
            } onGracefulShutdown: {
                self.close()
            }
        } catch let error as RuntimeError where error.code == .clientIsStopped && tasks.isClosed {
            // close() came first (a scoped body that returned at once): there is nothing left to run.
            return
        } catch {
            throw WorkloadAPIError.mapping(error, call: "run")
        }
    }
}
