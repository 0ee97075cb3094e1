import Logging
import SteepleLogging
import SPIFFE
import SPIFFECA
import SteepleConfig
import SteepleTelemetry
import X509

/// Turns a parsed `server.conf` into a ``ServerConfiguration``: the top level, `server` and `health_checks`; plugins
/// are in `ServerConfigurationReader+Plugins.swift`, range and cross-field rules in
/// `ServerConfiguration+Validation.swift`.
struct ServerConfigurationReader {
    /// The file, for messages.
    let path: String
    /// Command-line values, which take precedence over the file.
    let overrides: ServerConfigurationOverrides
    /// Accepted-and-ignored keys found so far.
    var ignored: [IgnoredSetting] = []
    /// Where each setting read so far came from.
    var sources: [String: SettingSource] = [:]

    init(path: String, overrides: ServerConfigurationOverrides) {
        self.path = path
        self.overrides = overrides
    }

    mutating func read(_ root: ConfigBody) throws(ServerConfigurationError) -> ServerConfiguration {
        try format(root.rejectUnknownKeys(allowed: ServerConfiguration.topLevelKeys, context: "the top level"))

        let server = try format(root.block("server")) ?? ConfigBody(position: root.position)
        try rejectUnknownServerKeys(server)
        var configuration = ServerConfiguration(
            trustDomain: try trustDomain(in: server, hasBlock: root.keys.contains("server")))
        try readServer(server, into: &configuration)
        if let plugins = try format(root.block("plugins")) {
            try readPlugins(plugins, into: &configuration)
        }
        if let health = try format(root.block("health_checks")) {
            configuration.healthChecks = try readHealthChecks(health)
        }
        if let telemetry = try format(root.block("telemetry")) {
            configuration.telemetry = try format(TelemetryConfiguration(reading: telemetry))
        }
        // File order; settings without a position last.
        configuration.ignoredSettings = ignored.enumerated().sorted { lhs, rhs in
            switch (lhs.element.position, rhs.element.position) {
            case (let left?, let right?): left < right || (left == right && lhs.offset < rhs.offset)
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): lhs.offset < rhs.offset
            }
        }.map(\.element)
        ignored = configuration.ignoredSettings
        configuration.ignoredKeys = ignored.map(\.key)
        configuration.settingSources = sources
        configuration.configurationFile = path
        return configuration
    }

    // MARK: server

    private mutating func trustDomain(
        in server: ConfigBody, hasBlock: Bool
    ) throws(ServerConfigurationError) -> TrustDomain {
        let text: String
        if let flag = overrides.trustDomain {
            text = flag
            sources["server.trust_domain"] = .flag("-trustDomain")
        } else if let value = try string(server, "trust_domain", in: "server") {
            text = value
        } else {
            let example = "trust_domain = \"example.org\""
            throw ServerConfigurationError(
                .missingKey, at: server.position, in: path,
                hasBlock
                    ? "missing required key \"trust_domain\" in server { … }: add \(example) or pass -trustDomain"
                    : "missing block server { \(example) }: every server needs a trust domain (or pass -trustDomain)")
        }
        do {
            return try TrustDomain(text)
        } catch {
            throw invalid(
                "server.trust_domain", found: text,
                expected: "a trust domain name such as example.org (\(error.message))", cause: error)
        }
    }

    /// Checks the keys of `server` first, so a misspelt `trust_domian` is reported as such, not as a missing key.
    private mutating func rejectUnknownServerKeys(_ server: ConfigBody) throws(ServerConfigurationError) {
        let present = try format(
            server.rejectUnknownKeys(
                allowed: ServerConfiguration.serverKeys, ignored: ServerConfiguration.ignoredServerKeys,
                context: "server"))
        for key in present {
            ignored.append(
                IgnoredSetting(key: "server." + key.name, position: key.position, reason: reason(forIgnored: key.name)))
        }
    }

    private mutating func readServer(
        _ server: ConfigBody, into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        if let value = try overridable(server, "data_dir", flag: "-dataDir", overrides.dataDirectory) {
            configuration.dataDirectory = value
        }
        if let value = try overridable(server, "bind_address", flag: "-bindAddress", overrides.bindAddress) {
            configuration.bindAddress = value
        }
        if let port = overrides.bindPort {
            configuration.bindPort = port
            sources["server.bind_port"] = .flag("-serverPort")
        } else if let port = try int(server, "bind_port", in: "server") {
            configuration.bindPort = port
        }
        if let value = try overridable(server, "socket_path", flag: "-socketPath", overrides.socketPath) {
            configuration.socketPath = value
        }
        if let ttl = try duration(server, "ca_ttl", in: "server") {
            configuration.caTTL = ttl
        }
        if let ttl = try duration(server, "default_x509_svid_ttl", in: "server") {
            configuration.defaultX509SVIDTTL = ttl
        }
        if let ttl = try duration(server, "default_jwt_svid_ttl", in: "server") {
            configuration.defaultJWTSVIDTTL = ttl
        }
        configuration.agentTTL = try duration(server, "agent_ttl", in: "server")
        if let name = try string(server, "ca_key_type", in: "server") {
            configuration.caKeyType = try keyType(name, key: "server.ca_key_type")
        }
        if let name = try string(server, "jwt_key_type", in: "server") {
            configuration.jwtKeyType = try keyType(name, key: "server.jwt_key_type")
        }
        if let issuer = try string(server, "jwt_issuer", in: "server"), !issuer.isEmpty {
            configuration.jwtIssuer = issuer
        }
        if let subject = try format(server.block("ca_subject")) {
            configuration.caSubject = try caSubject(subject, default: configuration.caSubject)
        }
        if let level = try overridable(server, "log_level", flag: "-logLevel", overrides.logLevel) {
            guard let parsed = Self.logLevel(level) else {
                throw invalid("server.log_level", found: level, expected: "one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL or PANIC (any case)")
            }
            configuration.logLevel = parsed
        }
        if let logFormat = try overridable(server, "log_format", flag: "-logFormat", overrides.logFormat) {
            guard let parsed = LogFormat(rawValue: logFormat.lowercased()) else {
                throw invalid("server.log_format", found: logFormat, expected: "text or json")
            }
            configuration.logFormat = parsed
        }
        if let logFile = try overridable(server, "log_file", flag: "-logFile", overrides.logFile), !logFile.isEmpty {
            configuration.logFile = logFile
        }
        if overrides.logSourceLocation {
            sources["server.log_source_location"] = .flag("-logSourceLocation")
            configuration.logSourceLocation = true
        } else if let sourceLocation = try bool(server, "log_source_location", in: "server") {
            configuration.logSourceLocation = sourceLocation
        }
        if let disable = try bool(server, "disable_jwt_svids", in: "server") {
            configuration.disableJWTSVIDs = disable
        }
        if let expiredFor = try duration(server, "prune_attested_nodes_expired_for", in: "server") {
            guard expiredFor > .zero else {
                throw invalid("server.prune_attested_nodes_expired_for", found: "\(expiredFor)", expected: "a positive duration such as 24h")
            }
            configuration.pruneAttestedNodesExpiredFor = expiredFor
        }
        if let audit = try bool(server, "audit_log_enabled", in: "server") {
            configuration.auditLogEnabled = audit
        }
        if let tofu = try bool(server, "prune_tofu_nodes", in: "server") {
            configuration.pruneTOFUNodes = tofu
        }
        for text in try stringOrList(server, "admin_ids", in: "server") {
            let id: SPIFFEID
            do {
                id = try SPIFFEID(text)
            } catch {
                throw invalid("server.admin_ids", found: text, expected: "SPIFFE IDs such as spiffe://\(configuration.trustDomain)/admin (\(error.message))", cause: error)
            }
            // An ID of another trust domain is allowed, as in SPIRE: its SVID must verify against that trust domain's
            // federated bundle, which the server must hold when the admin calls.
            configuration.adminIDs.append(id)
        }
        if let federation = try format(server.block("federation")) {
            configuration.federation = try readFederation(federation, trustDomain: configuration.trustDomain)
        }
    }

    private func reason(forIgnored key: String) -> String {
        switch key {
        case "prune_attested_nodes_batch_size": "agents are pruned by one statement per pass, not in batches"
        default: "not supported yet"
        }
    }

    /// `log_level` as SPIRE spells it, in any case; `WARNING` is accepted as logrus does.
    static func logLevel(_ text: String) -> Logger.Level? {
        SPIRELogLevel(name: text)?.swiftLogLevel
    }

    private func keyType(_ name: String, key: String) throws(ServerConfigurationError) -> CAKeyType {
        do {
            return try CAKeyType(name)
        } catch {
            throw invalid(key, found: name, expected: "one of ec-p256, ec-p384, rsa-2048, rsa-4096", cause: error)
        }
    }

    /// `ca_subject { country, organization, common_name }`; SPIRE takes lists for the first two, and a single string
    /// reads as a one-element list. An empty subject keeps the default, as in SPIRE.
    private mutating func caSubject(
        _ body: ConfigBody, default defaultSubject: DistinguishedName
    ) throws(ServerConfigurationError) -> DistinguishedName {
        try format(body.rejectUnknownKeys(allowed: ["country", "organization", "common_name"], context: "ca_subject"))
        let countries = try stringOrList(body, "country", in: "server.ca_subject").filter { !$0.isEmpty }
        let organizations = try stringOrList(body, "organization", in: "server.ca_subject").filter { !$0.isEmpty }
        let commonName = try string(body, "common_name", in: "server.ca_subject") ?? ""
        if countries.isEmpty && organizations.isEmpty && commonName.isEmpty {
            ignored.append(
                IgnoredSetting(
                    key: "server.ca_subject", position: body.position,
                    reason: "empty subject; the default C=US, O=SPIFFE is used"))
            return defaultSubject
        }
        var attributes: [RelativeDistinguishedName.Attribute] = []
        for country in countries {
            do {
                attributes.append(try .init(type: .RDNAttributeType.countryName, printableString: country))
            } catch {
                throw invalid(
                    "server.ca_subject.country", found: country,
                    expected: "a two-letter country code such as US (printable characters only)", cause: error)
            }
        }
        for organization in organizations {
            attributes.append(.init(type: .RDNAttributeType.organizationName, utf8String: organization))
        }
        if !commonName.isEmpty {
            attributes.append(.init(type: .RDNAttributeType.commonName, utf8String: commonName))
        }
        return DistinguishedName(attributes.map { RelativeDistinguishedName($0) })
    }

    // MARK: health_checks

    /// Read (and checked, at each value's position) as the agent reads it; each key present is recorded as a source.
    private mutating func readHealthChecks(
        _ body: ConfigBody
    ) throws(ServerConfigurationError) -> HealthCheckConfiguration {
        let health = try format(HealthCheckConfiguration(reading: body))
        for key in HealthCheckConfiguration.keys {
            record(body, key, in: "health_checks")
        }
        return health
    }

    // MARK: Typed reads that record where each value came from

    /// Runs a read of the format layer, turning its error into a ``ServerConfigurationError`` naming the file.
    @discardableResult
    func format<T>(_ read: @autoclosure () throws(ConfigError) -> T) throws(ServerConfigurationError) -> T {
        do {
            return try read()
        } catch {
            throw ServerConfigurationError(error, in: path)
        }
    }

    private mutating func record(_ body: ConfigBody, _ key: String, in section: String) {
        if let attribute = body.attribute(key) {
            sources[section + "." + key] = .file(attribute.value.position)
        } else if let entry = body.entries.first(where: { $0.key == key }) {
            sources[section + "." + key] = .file(entry.position)
        }
    }

    mutating func string(
        _ body: ConfigBody, _ key: String, in section: String
    ) throws(ServerConfigurationError) -> String? {
        let value = try format(body.string(key))
        if value != nil { record(body, key, in: section) }
        return value
    }

    mutating func int(_ body: ConfigBody, _ key: String, in section: String) throws(ServerConfigurationError) -> Int? {
        let value = try format(body.int(key))
        if value != nil { record(body, key, in: section) }
        return value
    }

    mutating func bool(
        _ body: ConfigBody, _ key: String, in section: String
    ) throws(ServerConfigurationError) -> Bool? {
        let value = try format(body.bool(key))
        if value != nil { record(body, key, in: section) }
        return value
    }

    mutating func duration(
        _ body: ConfigBody, _ key: String, in section: String
    ) throws(ServerConfigurationError) -> Duration? {
        let value = try format(body.duration(key))
        if value != nil { record(body, key, in: section) }
        return value
    }

    /// A list of strings, or one string read as a list of one.
    mutating func stringOrList(
        _ body: ConfigBody, _ key: String, in section: String
    ) throws(ServerConfigurationError) -> [String] {
        guard let value = try format(body.value(key)) else { return [] }
        record(body, key, in: section)
        if case .list = value.kind {
            return try format(body.stringList(key)) ?? []
        }
        return [try format(body.string(key)) ?? ""]
    }

    /// A string of `server` that a flag can replace.
    private mutating func overridable(
        _ server: ConfigBody, _ key: String, flag: String, _ override: String?
    ) throws(ServerConfigurationError) -> String? {
        if let override {
            sources["server." + key] = .flag(flag)
            return override
        }
        return try string(server, key, in: "server")
    }

    // MARK: Errors

    /// The position of a setting read from the file.
    func position(of key: String) -> ConfigPosition? {
        if case .file(let position) = sources[key] { return position }
        return nil
    }

    /// An ``ServerConfigurationError/Code/invalidValue`` error naming the key, or the flag it came from.
    func invalid(
        _ key: String, found: String, expected: String, cause: (any Error & Sendable)? = nil
    ) -> ServerConfigurationError {
        ServerConfiguration.invalidValue(
            key, source: sources[key], file: path, "expected \(expected), found \"\(found)\"", cause: cause)
    }
}
