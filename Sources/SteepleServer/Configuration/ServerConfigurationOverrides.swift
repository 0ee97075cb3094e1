/// Values given on the command line of `steeple-server run` or `validate`, which take precedence over the file, as
/// SPIRE's flags do. Each is kept as typed so that it is validated, and named in errors, exactly like the file value it
/// replaces.
package struct ServerConfigurationOverrides: Sendable, Hashable {
    /// `-trustDomain`, replacing `server.trust_domain`.
    package var trustDomain: String?
    /// `-dataDir`, replacing `server.data_dir`.
    package var dataDirectory: String?
    /// `-bindAddress`, replacing `server.bind_address`.
    package var bindAddress: String?
    /// `-serverPort`, replacing `server.bind_port`.
    package var bindPort: Int?
    /// `-socketPath`, replacing `server.socket_path`.
    package var socketPath: String?
    /// `-logLevel`, replacing `server.log_level`.
    package var logLevel: String?
    /// `-logFormat`, replacing `server.log_format`.
    package var logFormat: String?
    /// `-logFile`, replacing `server.log_file`.
    package var logFile: String?
    /// `-logSourceLocation`, turning `server.log_source_location` on.
    package var logSourceLocation: Bool

    /// Creates overrides; `nil` leaves the file's value (or the default) in place.
    package init(
        trustDomain: String? = nil,
        dataDirectory: String? = nil,
        bindAddress: String? = nil,
        bindPort: Int? = nil,
        socketPath: String? = nil,
        logLevel: String? = nil,
        logFormat: String? = nil,
        logFile: String? = nil,
        logSourceLocation: Bool = false
    ) {
        self.trustDomain = trustDomain
        self.dataDirectory = dataDirectory
        self.bindAddress = bindAddress
        self.bindPort = bindPort
        self.socketPath = socketPath
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.logFile = logFile
        self.logSourceLocation = logSourceLocation
    }
}
