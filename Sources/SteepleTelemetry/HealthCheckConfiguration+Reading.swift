package import SteepleConfig

extension HealthCheckConfiguration {
    /// Reads `health_checks { … }`; every error is at the value's position, names the key and says what would be right.
    /// - Throws: ``ConfigError`` for an unknown key, a value of the wrong kind, an empty `bind_address`, a `bind_port`
    ///   outside 0–65535, a path that does not start with `/`, or the same path for both checks.
    package init(reading body: ConfigBody) throws(ConfigError) {
        self.init()
        try body.rejectUnknownKeys(allowed: Self.keys, context: "health_checks")
        if let value = try body.bool("listener_enabled") { listenerEnabled = value }
        if let value = try body.string("bind_address") {
            guard !value.isEmpty else {
                throw Self.invalid(body, "bind_address", "is empty; use a host name or address such as localhost, 127.0.0.1 or 0.0.0.0")
            }
            bindAddress = value
        }
        if let value = try body.int("bind_port") {
            guard (0...65535).contains(value) else {
                throw Self.invalid(body, "bind_port", "is \(value); use a port from 1 to 65535, such as \"8080\" (0 asks the system for any free port)")
            }
            bindPort = value
        }
        for (key, path, example) in [("live_path", \HealthCheckConfiguration.livePath, "/live"), ("ready_path", \.readyPath, "/ready")] {
            guard let value = try body.string(key) else { continue }
            guard value.hasPrefix("/") else {
                throw Self.invalid(body, key, "is \"\(value)\"; use a path starting with /, such as \(example)")
            }
            self[keyPath: path] = value
        }
        if livePath == readyPath {
            throw Self.invalid(
                body, body.attribute("ready_path") != nil ? "ready_path" : "live_path",
                "is \"\(readyPath)\", the same path as the other check; give live_path and ready_path different paths, such as /live and /ready")
        }
    }

    private static func invalid(_ body: ConfigBody, _ key: String, _ detail: String) -> ConfigError {
        ConfigError(code: .invalidValue, at: body.attribute(key)?.value.position ?? body.position, "health_checks.\(key) \(detail)")
    }
}
