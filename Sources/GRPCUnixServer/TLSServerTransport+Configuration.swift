public import NIOSSL

extension TLSServerTransport {
    /// Plaintext bytes per flush at most, plus one HTTP/2 frame (16 KiB): NIOSSL keeps each connection's ciphertext
    /// buffer at the size of the largest flush it encrypted, so no connection keeps more than 32 KiB of it
    /// (``BoundedFlushHandler``).
    static let flushLimit = 8 * 1024

    public struct Configuration: Sendable {
        /// The address to listen on (`0.0.0.0`, `::`, a host's address).
        public var host: String
        public var port: Int
        /// The server's TLS settings (its certificate, or a certificate reloader). The transport raises the minimum
        /// version to TLS 1.2, sets ALPN to `h2`
        /// (gRPC clients require it) and asks for a client certificate without requiring one: `certificateVerification`
        /// is replaced by `.optionalVerification`, and a presented chain is handed to the RPCs unverified (``TLSPeer``).
        public var tls: TLSConfiguration
        /// A TLS handshake not complete within this long of the connection being accepted closes it. Default 10 s.
        public var handshakeTimeout: Duration
        /// How long a connection may have no open stream before it is closed with GOAWAY. Default 5 minutes.
        public var idleTimeout: Duration
        /// TCP keepalive on every connection: the idle time before the first probe, the interval between probes, and
        /// how many unanswered probes close the connection. Default 60 s, 20 s, 3: a peer that vanished without
        /// closing (a crashed node, a dropped NAT entry) is found within about two minutes while its connection is idle
        /// on the wire (a held stream with nothing to send counts); with data unacknowledged, the kernel's retransmission
        /// limit applies instead.
        public var keepaliveIdle: Int
        public var keepaliveInterval: Int
        public var keepaliveProbes: Int
        /// SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client. Default 1024.
        public var maxConcurrentStreamsPerConnection: Int
        /// How many streams a client may reset per `resetStreamsWindow` before its connection is closed as a
        /// rapid-reset attack (CVE-2023-44487). Default 200 per 30 s, nio-http2's: remote peers are not trusted.
        public var maxResetStreamsPerWindow: Int
        public var resetStreamsWindow: Duration
        /// The largest request message accepted (`resourceExhausted` beyond). Default 4 MiB.
        public var maxRequestMessageBytes: Int
        /// HTTP/2 flow-control window per stream (and, ×4, per connection). Default 1 MiB.
        public var streamWindowBytes: Int
        /// After a graceful shutdown began, how long connections may keep the streams they have before they are
        /// closed (cancelling those RPCs); nil waits for every stream to end. Default 2 s: long-lived streams (an
        /// agent's entry sync) would otherwise hold the process up until their client goes away.
        public var shutdownGracePeriod: Duration?
        /// Connections open at once; nil (the default) takes it from the open-file limit as ``UnixServerTransport``
        /// does.
        public var maxConnections: Int?

        public init(host: String, port: Int, tls: TLSConfiguration) {
            self.host = host
            self.port = port
            self.tls = tls
            self.handshakeTimeout = .seconds(10)
            self.idleTimeout = .seconds(300)
            self.keepaliveIdle = 60
            self.keepaliveInterval = 20
            self.keepaliveProbes = 3
            self.maxConcurrentStreamsPerConnection = 1024
            self.maxResetStreamsPerWindow = 200
            self.resetStreamsWindow = .seconds(30)
            self.maxRequestMessageBytes = 4 * 1024 * 1024
            self.streamWindowBytes = 1024 * 1024
            self.maxConnections = nil
            self.shutdownGracePeriod = .seconds(2)
        }
    }
}
