import FoundationEssentials
import SteepleConfig

/// Reading SPIRE's `server.conf` (HCL, or JSON in HCL's mapping) into a ``ServerConfiguration``.
///
/// The file has four top-level blocks: `server { … }`, `plugins { … }`, `health_checks { … }` and `telemetry { … }`
/// (SPIRE's sinks; see `SteepleTelemetry`). `docs/configuration.md` lists every key with its default.
///
/// Unknown keys are errors that name the key, its line and the supported keys, except SPIRE keys Steeple accepts
/// and ignores, which are reported in ``ServerConfiguration/ignoredSettings`` so `run` can log them:
///
/// - in `server`: `experimental`,
///   `max_attested_node_info_staleness`, `profiling_enabled`, `profiling_freq`,
///   `profiling_names`, `profiling_port`, `proxy_protocol_trusted_cidrs`, `prune_attested_nodes_batch_size`,
///   `prune_attested_nodes_expired_for`, `prune_tofu_nodes`, `ratelimit`, `use_legacy_downstream_x509_ca_ttl`;
/// - in the `plugin_data` of `DataStore "sql"`: `conn_max_lifetime`, `disable_migration`, `log_sql`,
///   `max_idle_conns`, `max_open_conns`;
/// - any plugin with `enabled = false`, whatever its type and name.
extension ServerConfiguration {
    /// The keys of `server { … }` that Steeple reads.
    package static let serverKeys: Set<String> = [
        "trust_domain", "data_dir", "bind_address", "bind_port", "socket_path", "ca_ttl", "default_x509_svid_ttl",
        "default_jwt_svid_ttl", "agent_ttl", "ca_key_type", "jwt_key_type", "ca_subject", "jwt_issuer", "log_level",
        "log_format", "log_file", "log_source_location", "disable_jwt_svids", "admin_ids", "federation",
        "prune_attested_nodes_expired_for", "prune_tofu_nodes", "audit_log_enabled",
    ]

    /// The SPIRE keys of `server { … }` that Steeple accepts and ignores; see the extension's documentation.
    package static let ignoredServerKeys: Set<String> = [
        "experimental",
        "max_attested_node_info_staleness", "profiling_enabled", "profiling_freq", "profiling_names", "profiling_port",
        "proxy_protocol_trusted_cidrs", "prune_attested_nodes_batch_size", "ratelimit", "use_legacy_downstream_x509_ca_ttl",
    ]

    /// The top-level blocks Steeple reads.
    package static let topLevelKeys: Set<String> = ["server", "plugins", "health_checks", "telemetry"]

    /// The SPIRE path of the configuration file when `-config` is not given.
    package static let defaultConfigurationFile = "conf/server/server.conf"

    /// Reads a configuration file's text, applies command-line overrides, and validates the result.
    ///
    /// The format is JSON when `path` ends in `.json` or the text starts with `{`, HCL otherwise. Expand environment
    /// variables first with ``expandingEnvironment(in:environment:)`` when `-expandEnv` is given.
    /// - Parameters:
    ///   - text: The file's content.
    ///   - path: The file's path, used in messages and to pick the format.
    ///   - overrides: Values from the command line, which take precedence over the file.
    /// - Throws: ``ServerConfigurationError`` with code ``ServerConfigurationError/Code/syntax``,
    ///   ``ServerConfigurationError/Code/unknownKey``, ``ServerConfigurationError/Code/missingKey``,
    ///   ``ServerConfigurationError/Code/invalidValue``, ``ServerConfigurationError/Code/duplicate``,
    ///   ``ServerConfigurationError/Code/unsupportedPlugin`` or ``ServerConfigurationError/Code/unsupportedValue``.
    package init(
        parsing text: String,
        path: String,
        overrides: ServerConfigurationOverrides = ServerConfigurationOverrides()
    ) throws(ServerConfigurationError) {
        try self.init(parsing: Array(text.utf8), path: path, overrides: overrides)
    }

    /// Reads a configuration file from disk; see ``init(parsing:path:overrides:)``.
    /// - Parameters:
    ///   - path: The file to read.
    ///   - environment: When given (`-expandEnv`), `$VAR` and `${VAR}` are expanded from it before parsing.
    ///   - overrides: Values from the command line, which take precedence over the file.
    /// - Throws: ``ServerConfigurationError/Code/io`` when the file cannot be read, and the errors of
    ///   ``init(parsing:path:overrides:)``.
    package init(
        contentsOfFile path: String,
        environment: [String: String]? = nil,
        overrides: ServerConfigurationOverrides = ServerConfigurationOverrides()
    ) throws(ServerConfigurationError) {
        let bytes = try Self.readFile(path)
        if let environment, let text = String(validating: bytes, as: UTF8.self) {
            try self.init(
                parsing: Self.expandingEnvironment(in: text, environment: environment), path: path, overrides: overrides
            )
        } else {
            // Invalid UTF-8 is left to the parser, which reports the position of the first bad byte.
            try self.init(parsing: bytes, path: path, overrides: overrides)
        }
    }

    private init(
        parsing bytes: [UInt8],
        path: String,
        overrides: ServerConfigurationOverrides
    ) throws(ServerConfigurationError) {
        let format: ConfigFormat? = path.lowercased().hasSuffix(".json") ? .json : nil
        let root: ConfigBody
        do {
            root = try ConfigBody(parsing: bytes, format: format)
        } catch {
            throw ServerConfigurationError(error, in: path)
        }
        var reader = ServerConfigurationReader(path: path, overrides: overrides)
        self = try reader.read(root)
        try validate()
    }

    private static func readFile(_ path: String) throws(ServerConfigurationError) -> [UInt8] {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ServerConfigurationError(
                .io, "could not find configuration file \"\(path)\": pass its path with -config")
        }
        guard !isDirectory else {
            throw ServerConfigurationError(
                .io, "configuration file \"\(path)\" is a directory: pass the path of the file with -config")
        }
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ServerConfigurationError(
                .io, "could not read configuration file \"\(path)\": \(error)", cause: error)
        }
    }
}
