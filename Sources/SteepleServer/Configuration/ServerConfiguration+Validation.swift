import SPIFFE
import SteepleConfig
import SteepleTelemetry

extension ServerConfiguration {
    /// The longest Unix socket path the platform's `sockaddr_un` holds, without the terminating NUL.
    #if canImport(Darwin)
        package static let maximumSocketPathLength = 103
    #else
        package static let maximumSocketPathLength = 107
    #endif

    /// Checks the rules that span values or depend on the final, overridden settings:
    ///
    /// - `data_dir`, `bind_address` and `socket_path` are not empty; `socket_path` fits in a Unix socket address
    ///   (``maximumSocketPathLength`` bytes);
    /// - `bind_port` and `health_checks.bind_port` are in 0–65535 (0 asks the system for a free port, for tests);
    /// - `ca_ttl`, `default_x509_svid_ttl`, `default_jwt_svid_ttl` and `agent_ttl` are positive (a TTL that a CA
    ///   rotation may cut short is a warning, as in SPIRE: ``ttlWarnings``);
    /// - `health_checks.live_path` and `ready_path` start with `/`;
    /// - the `x509pop` CA bundle paths and agent path template are not empty.
    ///
    /// ``init(parsing:path:overrides:)`` calls it; call it again after changing settings in code.
    /// - Throws: ``ServerConfigurationError/Code/invalidValue`` naming the key and where it was set (file position or
    ///   flag).
    package func validate() throws(ServerConfigurationError) {
        try requireNonEmpty(dataDirectory, "server.data_dir")
        try requireNonEmpty(bindAddress, "server.bind_address")
        try requirePort(bindPort, "server.bind_port")
        try requireNonEmpty(socketPath, "server.socket_path")
        if socketPath.utf8.count > Self.maximumSocketPathLength {
            throw invalid(
                "server.socket_path",
                "\"\(socketPath)\" is \(socketPath.utf8.count) bytes; a Unix socket path holds at most "
                    + "\(Self.maximumSocketPathLength)")
        }

        try requirePositive(caTTL, "server.ca_ttl")
        try requirePositive(defaultX509SVIDTTL, "server.default_x509_svid_ttl")
        try requirePositive(defaultJWTSVIDTTL, "server.default_jwt_svid_ttl")
        if let agentTTL { try requirePositive(agentTTL, "server.agent_ttl") }

        try requireNonEmpty(healthChecks.bindAddress, "health_checks.bind_address")
        try requirePort(healthChecks.bindPort, "health_checks.bind_port")
        for (path, key) in [
            (healthChecks.livePath, "health_checks.live_path"), (healthChecks.readyPath, "health_checks.ready_path"),
        ]
        where !path.hasPrefix("/") {
            throw invalid(key, "expected a path starting with /, such as /live, found \"\(path)\"")
        }

        if let x509pop = nodeAttestors.x509pop {
            let section = "plugins.NodeAttestor \"x509pop\".plugin_data"
            if x509pop.caBundlePaths.isEmpty || x509pop.caBundlePaths.contains(where: \.isEmpty) {
                let key = settingSources["\(section).ca_bundle_paths"] != nil ? "ca_bundle_paths" : "ca_bundle_path"
                throw invalid(
                    "\(section).\(key)", "expected the paths of PEM files of CA certificates, found an empty path")
            }
            try requireNonEmpty(x509pop.agentPathTemplate, "\(section).agent_path_template")
        }
    }

    private func requireNonEmpty(_ value: String, _ key: String) throws(ServerConfigurationError) {
        if value.isEmpty {
            throw invalid(key, "expected a non-empty value")
        }
    }

    private func requirePort(_ port: Int, _ key: String) throws(ServerConfigurationError) {
        if !(0...65535).contains(port) {
            throw invalid(key, "expected a port from 1 to 65535 (or 0 for any free port), found \(port)")
        }
    }

    private func requirePositive(_ ttl: Duration, _ key: String) throws(ServerConfigurationError) {
        if ttl <= .zero {
            throw invalid(key, "expected a positive duration such as 1h or 5m, found \(GoDuration.format(ttl))")
        }
        // Every certificate and token lifetime is then a TTL (1 s to 100 years): no date arithmetic can overflow.
        if ttl > .seconds(TTL.maximumSeconds) {
            throw invalid(key, "\(GoDuration.format(ttl)) is too long: at most \(GoDuration.format(.seconds(TTL.maximumSeconds))) (100 years) is allowed")
        }
    }

    private func invalid(_ key: String, _ detail: String) -> ServerConfigurationError {
        Self.invalidValue(key, source: settingSources[key], file: configurationFile, detail)
    }

    /// An ``ServerConfigurationError/Code/invalidValue`` error for a setting, placed at its file position or naming
    /// the flag that set it.
    static func invalidValue(
        _ key: String, source: SettingSource?, file: String?, _ detail: String, cause: (any Error & Sendable)? = nil
    ) -> ServerConfigurationError {
        switch source {
        case .flag(let flag):
            ServerConfigurationError(.invalidValue, "invalid value for \(flag): \(detail)", cause: cause)
        case .file(let position):
            ServerConfigurationError(
                .invalidValue, at: position, in: file, "invalid value for \"\(displayName(key))\": \(detail)",
                cause: cause)
        case nil:
            ServerConfigurationError(
                .invalidValue, in: file, "invalid value for \"\(displayName(key))\": \(detail)", cause: cause)
        }
    }

    /// A setting's name for messages: `bind_port` for the keys of `server`, the dotted path for the others.
    static func displayName(_ key: String) -> String {
        key.hasPrefix("server.") ? String(key.dropFirst("server.".count)) : key
    }
}
