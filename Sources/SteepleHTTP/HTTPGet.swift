public import NIOCore
public import NIOHTTP1
import NIOPosix
public import NIOSSL

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One HTTP/1.1 request (a `GET` unless ``method`` says otherwise), over TCP (`http://`), TLS (`https://`) or a Unix
/// socket, returning the status and the whole body. Enough for fetching documents such as trust bundles and for the
/// few JSON calls to a Kubernetes API server or kubelet; not a general HTTP client: no redirects (a 3xx is
/// returned as it is), no proxy (`HTTPS_PROXY` is not read), no keep-alive. Certificate names are checked by NIOSSL,
/// which, unlike Go, falls back to the subject CN of a certificate without subject alternative names.
public struct HTTPGet: Sendable {
    /// Where the request goes.
    public enum Transport: Sendable {
        /// The URL's host and port; `https://` URLs use TLS with `tls` (hostname verified against the URL's host).
        case network(tls: TLSConfiguration)
        /// The URL's host and port over TLS with `tls`, the server's certificates judged by `verify` alone (no
        /// hostname check): for peers whose identity is not a DNS name, such as a SPIFFE bundle endpoint
        /// authenticated by its X509-SVID. The URL must be `https://`.
        case verifiedNetwork(tls: TLSConfiguration, verify: @Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResult>) -> Void)
        /// A Unix socket; the URL must be `http://` and its host is only sent as `Host`.
        case unixSocket(String)
    }

    /// What came back.
    public struct Response: Sendable {
        /// The status code, such as 200.
        public let status: Int
        /// The status line's reason, such as `OK`.
        public let reason: String
        public let body: [UInt8]
    }

    public let url: URL
    public let transport: Transport
    /// The largest body accepted.
    public var maximumBodySize: Int = 4 << 20
    /// How long connecting, the TLS handshake and the whole exchange may take.
    public var timeout: Duration = .seconds(30)
    /// The request method; `GET` by default.
    public var method: HTTPMethod = .GET
    /// Header fields sent besides `Host`, `User-Agent`, `Connection` and `Content-Length`, such as `Authorization`,
    /// `Content-Type` or `Accept` (which replaces the default `*/*`).
    public var headers: [(name: String, value: String)] = []
    /// The request body, sent with its `Content-Length`; nil sends none.
    public var body: [UInt8]?

    public init(url: URL, transport: Transport) {
        self.url = url
        self.transport = transport
    }

    /// Sends the request and reads the response.
    /// - Throws: ``HTTPGetError`` naming the URL and what failed (connection, TLS, size, timeout, a malformed reply).
    public func run() async throws(HTTPGetError) -> Response {
        do {
            return try await perform()
        } catch {
            var named = error
            named.method = method.rawValue
            throw named
        }
    }

    private func perform() async throws(HTTPGetError) -> Response {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw HTTPGetError(url: url, "the URL must be http:// or https:// with a host")
        }
        let useTLS = scheme == "https"
        if case .unixSocket = transport, useTLS {
            throw HTTPGetError(url: url, "a request over a Unix socket must use http://")
        }
        if case .verifiedNetwork = transport, !useTLS {
            throw HTTPGetError(url: url, "a request whose server certificate is verified must use https://")
        }
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await exchange(host: host, useTLS: useTLS) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw HTTPGetError(url: url, "no complete response within \(timeout)")
                }
                return response
            }
        } catch let error as HTTPGetError {
            throw error
        } catch let error as NIOSSLError {
            if "\(error)".contains("CERTIFICATE_VERIFY_FAILED") {
                throw HTTPGetError(url: url, "TLS failed: the server's certificate does not chain to the trusted roots (CERTIFICATE_VERIFY_FAILED)")
            }
            throw HTTPGetError(url: url, "TLS failed: \(error)")
        } catch let error as NIOSSLExtraError where error == .failedToValidateHostname {
            throw HTTPGetError(url: url, "TLS failed: the server's certificate is not for \(url.host ?? "the URL's host") (no matching DNS or IP subject alternative name)")
        } catch let error as BoringSSLError {
            throw HTTPGetError(url: url, "TLS failed: \(error)")
        } catch {
            throw HTTPGetError(url: url, "\(error)")
        }
    }

    private func exchange(host: String, useTLS: Bool) async throws -> Response {
        let port = url.port ?? (useTLS ? 443 : 80)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.init(timeout))
        let sslContext: NIOSSLContext? = switch transport {
        case .network(let tls) where useTLS: try NIOSSLContext(configuration: tls)
        case .verifiedNetwork(let tls, _): try NIOSSLContext(configuration: tls)
        default: nil
        }
        let verify: (@Sendable ([NIOSSLCertificate], EventLoopPromise<NIOSSLVerificationResult>) -> Void)? = switch transport {
        case .verifiedNetwork(_, let verify): verify
        default: nil
        }
        // A host that is an IP address is checked against the certificate's IP SANs (NIOSSL does so when no name is
        // given); a name is sent as SNI and checked against the DNS SANs.
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                if let sslContext, let verify {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: sslContext, serverHostname: isAddress ? nil : host, customVerificationCallback: verify)
                    )
                } else if let sslContext {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: sslContext, serverHostname: isAddress ? nil : host))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                return try NIOAsyncChannel(wrappingChannelSynchronously: channel)
            }
        }
        let channel = switch transport {
        case .unixSocket(let path): try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
        case .network, .verifiedNetwork: try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
        }
        // As sent: percent-encoding kept (`url.path` would decode `%2F` into a separator).
        let path = url.path(percentEncoded: true)
        var target = path.isEmpty ? "/" : path
        if let query = url.query, !query.isEmpty { target += "?" + query }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
        let defaultPort = url.port == nil || url.port == (useTLS ? 443 : 80)
        let hostField = host.contains(":") ? "[\(host)]" : host
        head.headers.add(name: "Host", value: defaultPort ? hostField : "\(hostField):\(port)")
        head.headers.add(name: "User-Agent", value: "steeple")
        if !headers.contains(where: { $0.name.lowercased() == "accept" }) { head.headers.add(name: "Accept", value: "*/*") }
        head.headers.add(name: "Connection", value: "close")
        for field in headers { head.headers.add(name: field.name, value: field.value) }
        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
        let requestBody = body
        return try await channel.executeThenClose { inbound, outbound in
            // One write: a server that answers as soon as it has the head and then closes (Python's http.server
            // does, on a Unix socket within microseconds) must not make a separate `.end` fail on a closed channel.
            var parts: [HTTPClientRequestPart] = [.head(head)]
            if let requestBody, !requestBody.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: requestBody)))) }
            parts.append(.end(nil))
            // A write can still find the channel closed: by the server after its answer, or by TLS when the handshake
            // failed (the server's certificate refused). Then what the inbound side holds says what happened (the
            // answer, or the TLS error), not the write's "I/O on closed channel", which is thrown only when it is
            // all there is.
            var writeError: (any Error)?
            do {
                try await outbound.write(contentsOf: parts)
            } catch {
                writeError = error
            }
            var status: HTTPResponseStatus?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let responseHead):
                    status = responseHead.status
                case .body(let buffer):
                    guard body.count + buffer.readableBytes <= maximumBodySize else {
                        throw HTTPGetError(url: url, "the response is larger than \(maximumBodySize) bytes")
                    }
                    body += buffer.readableBytesView
                case .end:
                    guard let status else { throw HTTPGetError(url: url, "the response ended before its status line") }
                    return Response(status: Int(status.code), reason: status.reasonPhrase, body: body)
                }
            }
            if let writeError { throw writeError }
            throw HTTPGetError(url: url, "the connection closed before the response was complete")
        }
    }
}

/// Why an ``HTTPGet`` failed, with the URL it was for.
public struct HTTPGetError: Error, Sendable, CustomStringConvertible {
    public let url: URL
    public let message: String

    public init(url: URL, _ message: String) {
        self.url = url
        self.message = message
    }

    /// The request's method, `GET` unless the request said otherwise.
    public var method = "GET"

    public var description: String { "\(method) \(url.absoluteString): \(message)" }
}
