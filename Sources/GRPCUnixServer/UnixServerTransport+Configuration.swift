extension UnixServerTransport {
    public struct Configuration: Sendable {
        /// Where to listen. A missing parent directory is created (mode 0755); a stale socket file is replaced.
        public var socketPath: String
        /// The socket file's mode, set with chmod(2) after bind and before listen. Default 0o777 (as SPIRE): any local
        /// process may call the Workload API; the caller's identity comes from its kernel credentials.
        public var socketMode: UInt32
        /// SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client. Default 4096: Workload API streams are
        /// long-lived (one per watched SVID/bundle), and a busy client multiplexes many on one connection.
        public var maxConcurrentStreamsPerConnection: Int
        /// How many streams a client may reset (RST_STREAM) per `resetStreamsWindow` before nio-http2 closes its
        /// connection as a rapid-reset attack (CVE-2023-44487). nio-http2's default is 200 per 30 s, but
        /// py-spiffe's `fetch_x509_svid`/`fetch_jwt_bundles` and go-spiffe's one-shot fetches read the first
        /// message of a server stream and then cancel it, one RST_STREAM per call, so an ordinary client polling
        /// more than ~6 times a second was disconnected. The socket is local, its clients are processes on this
        /// host whose identity the agent knows, and a stream costs the agent little, so the default is a generous
        /// 100,000 per 30 s: still a ceiling against a runaway client, never reached by honest ones.
        public var maxResetStreamsPerWindow: Int
        /// The window for `maxResetStreamsPerWindow`. Default 30 s.
        public var resetStreamsWindow: Duration
        /// The largest request message accepted; a bigger one fails the RPC with `resourceExhausted` before
        /// it is buffered. Default 4 MiB (gRPC's usual limit).
        public var maxRequestMessageBytes: Int
        /// HTTP/2 flow-control window per stream (and, ×4, per connection). Default 1 MiB.
        public var streamWindowBytes: Int
        /// Connections one uid may hold open at once; further ones are closed at accept (and logged, rate-limited).
        /// Default 512: far above what a node's workloads need (one or two each), far below what would exhaust the
        /// agent's file descriptors.
        public var maxConnectionsPerUID: Int
        /// Connections open at once over all callers; the listener stops accepting at this count (callers wait in the
        /// listen backlog) and starts again when one closes. Nil (the default) takes it from the process's open-file
        /// limit, leaving a reserve for the process's own descriptors: `(limit - max(64, limit / 8)) / 2` (each
        /// connection holds two descriptors, its socket and the caller's pidfd), 448 at the common limit of 1,024.
        public var maxConnections: Int?
        /// While at `maxConnections`, connections that have sent nothing for this long are closed, so that idle floods
        /// do not keep callers waiting for the whole `silentConnectionTimeout`. Default 2 s: a real client's preface is
        /// already in the socket when it is accepted, so only a server too loaded to read it for 2 s loses one.
        public var silenceUnderPressure: Duration
        /// Streams one uid may have open at once over all its connections; further ones are refused with
        /// RST_STREAM. Default 4096.
        public var maxStreamsPerUID: Int
        /// How long a new connection may stay silent (not a byte from the peer: half-open, or connected and idle, as a
        /// flood of idle connections is) before it is closed. A client that has spoken HTTP/2 gets `idleTimeout`
        /// instead, so one that connects ahead of its first call is not cut off. Default 10 s.
        public var silentConnectionTimeout: Duration
        /// How long a connection may have no open stream before it is closed with GOAWAY (clients reconnect on
        /// their next call). Default 2 minutes.
        public var idleTimeout: Duration

        public init(socketPath: String) {
            self.socketPath = socketPath
            self.socketMode = 0o777
            self.maxConcurrentStreamsPerConnection = 4096
            self.maxResetStreamsPerWindow = 100_000
            self.resetStreamsWindow = .seconds(30)
            self.maxRequestMessageBytes = 4 * 1024 * 1024
            self.streamWindowBytes = 1024 * 1024
            self.maxConnectionsPerUID = 512
            self.maxStreamsPerUID = 4096
            self.silentConnectionTimeout = .seconds(10)
            self.silenceUnderPressure = .seconds(2)
            self.idleTimeout = .seconds(120)
        }
    }
}
