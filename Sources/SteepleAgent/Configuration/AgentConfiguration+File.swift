import Logging
import SteepleLogging
import SPIFFE
import SteepleConfig
import SteepleTelemetry
import SPIFFEWorkloadAPI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AgentConfiguration {
    /// Keys of `agent { … }` that Steeple reads.
    static let agentKeys: Set<String> = [
        "trust_domain", "server_address", "server_port", "socket_path", "data_dir", "trust_bundle_path",
        "insecure_bootstrap", "join_token", "join_token_file", "log_level", "log_format", "log_file", "log_source_location", "trust_bundle_format",
        "trust_bundle_url", "trust_bundle_unix_socket", "trust_bundle_spiffe_workload_api", "disable_workload_api", "disable_sds_api",
        "allow_unauthenticated_verifiers", "sds", "admin_socket_path", "authorized_delegates", "x509_svid_cache_max_size",
        "jwt_svid_cache_max_size",
    ]
    /// Keys of SPIRE's agent block that are accepted and have no effect here.
    static let ignoredAgentKeys: Set<String> = [
        "availability_target", "experimental", "retry_bootstrap", "rebootstrap_mode", "rebootstrap_delay",
        "allowed_foreign_jwt_claims",
        "workload_x509_svid_key_type", "log_selectors",
        "profiling_enabled", "profiling_port", "profiling_freq", "profiling_names",
    ]
    /// Keys of SPIRE's agent block that change what is served, so they can be neither ignored nor mistaken for typos:
    /// each is refused with what to do instead.
    static let unsupportedAgentKeys: [String: String] = [:]

    /// Reads `agent.conf` from `path` and applies the flags; with `environment` (`-expandEnv`), `$VAR` and `${VAR}`
    /// are expanded from it first, as SPIRE's agent does.
    public static func load(path: String, overrides: AgentConfigurationOverrides, environment: [String: String]? = nil) throws(AgentConfigurationError) -> AgentConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AgentConfigurationError(.unreadable, "\(path): cannot read the configuration file (pass -config FILE)")
        }
        if let environment, let text = String(validating: Array(data), as: UTF8.self) {
            return try parse(Array(EnvironmentExpansion.expand(text, environment: environment).utf8), path: path, overrides: overrides)
        }
        return try parse(Array(data), path: path, overrides: overrides)
    }

    /// Parses the text of `agent.conf`; `path` names it in messages.
    public static func parse(_ bytes: [UInt8], path: String, overrides: AgentConfigurationOverrides) throws(AgentConfigurationError) -> AgentConfiguration {
        let root: ConfigBody
        do {
            root = try ConfigBody(parsing: bytes)
        } catch {
            throw AgentConfigurationError(.syntax, "\(path): \(error.message)")
        }
        var reader = AgentConfigurationReader(path: path, overrides: overrides)
        return try reader.read(root)
    }
}

/// Turns a parsed `agent.conf` into an ``AgentConfiguration``.
struct AgentConfigurationReader {
    let path: String
    let overrides: AgentConfigurationOverrides
    var ignored: [String] = []

    mutating func read(_ root: ConfigBody) throws(AgentConfigurationError) -> AgentConfiguration {
        try format(root.rejectUnknownKeys(allowed: ["agent", "plugins", "telemetry", "health_checks"], context: "the top level"))
        let agent = try format(root.block("agent")) ?? ConfigBody(position: root.position)
        ignored += try format(agent.rejectUnknownKeys(allowed: AgentConfiguration.agentKeys, ignored: AgentConfiguration.ignoredAgentKeys, unsupported: AgentConfiguration.unsupportedAgentKeys, context: "agent")).map { "agent." + $0.name }

        guard let domainText = try pick(overrides.trustDomain, agent.string("trust_domain")) else {
            throw AgentConfigurationError(.missingKey, "\(path): missing required key \"trust_domain\" in agent { … }: add trust_domain = \"example.org\"")
        }
        var configuration: AgentConfiguration
        do {
            configuration = AgentConfiguration(trustDomain: try TrustDomain(domainText))
        } catch {
            throw invalid("agent.trust_domain", domainText, "a trust domain name such as example.org (\(error.message))")
        }
        if let value = try pick(overrides.serverAddress, agent.string("server_address")) { configuration.serverAddress = value }
        if let value = try pick(overrides.serverPort, agent.int("server_port")) {
            guard (1...65535).contains(value) else { throw invalid("agent.server_port", "\(value)", "a port between 1 and 65535") }
            configuration.serverPort = value
        }
        if let value = try pick(overrides.socketPath, agent.string("socket_path")) {
            guard value.hasPrefix("/") else { throw invalid("agent.socket_path", value, "an absolute path such as \(AgentConfiguration.defaultSocketPath)") }
            configuration.socketPath = value
        }
        if let value = try pick(overrides.dataDirectory, agent.string("data_dir")) { configuration.dataDirectory = value }
        if let value = try format(agent.int("x509_svid_cache_max_size")) {
            // SPIRE's rule: negative is an error, 0 means the default.
            guard value >= 0 else { throw invalid("agent.x509_svid_cache_max_size", "\(value)", "a number of SVIDs, 0 or more (0: the default, \(AgentConfiguration.defaultX509SVIDCacheMaxSize))") }
            configuration.x509SVIDCacheMaxSize = value == 0 ? AgentConfiguration.defaultX509SVIDCacheMaxSize : value
        }
        if let value = try format(agent.int("jwt_svid_cache_max_size")) {
            guard value >= 0 else { throw invalid("agent.jwt_svid_cache_max_size", "\(value)", "a number of JWT-SVIDs, 0 or more (0: the default, \(AgentConfiguration.defaultJWTSVIDCacheMaxSize))") }
            configuration.jwtSVIDCacheMaxSize = value == 0 ? AgentConfiguration.defaultJWTSVIDCacheMaxSize : value
        }
        let token = try pick(overrides.joinToken, agent.string("join_token")).flatMap { $0.isEmpty ? nil : $0 }
        let tokenFile = try pick(overrides.joinTokenFile, agent.string("join_token_file")).flatMap { $0.isEmpty ? nil : $0 }
        switch (token, tokenFile) {
        case (_?, _?):
            throw AgentConfigurationError(.conflict, "\(path): join_token and join_token_file are both set: keep one")
        case (let token?, nil):
            configuration.joinToken = token
        case (nil, let file?):
            configuration.joinToken = try Self.readJoinToken(file, configurationPath: path)
        case (nil, nil):
            break
        }
        if let level = try pick(overrides.logLevel, agent.string("log_level")) {
            guard let parsed = Self.logLevel(level) else { throw invalid("agent.log_level", level, "one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL or PANIC (any case)") }
            configuration.logLevel = parsed
        }
        if let value = try pick(overrides.logFormat, agent.string("log_format")) {
            guard ["text", "json"].contains(value.lowercased()) else { throw invalid("agent.log_format", value, "text or json") }
            configuration.logFormat = value.lowercased()
        }
        if let value = try pick(overrides.logFile, agent.string("log_file")), !value.isEmpty { configuration.logFile = value }
        if overrides.logSourceLocation {
            configuration.logSourceLocation = true
        } else if let value = try format(agent.bool("log_source_location")) {
            configuration.logSourceLocation = value
        }
        if let value = try pick(overrides.trustBundleFormat, agent.string("trust_bundle_format")) {
            guard let parsed = AgentConfiguration.TrustBundleFormat(rawValue: value.lowercased()) else {
                throw invalid("agent.trust_bundle_format", value, "pem or spiffe")
            }
            configuration.trustBundleFormat = parsed
        }
        configuration.bootstrap = try readBootstrap(agent)
        configuration.allowUnauthenticatedVerifiers = try pick(overrides.allowUnauthenticatedVerifiers, agent.bool("allow_unauthenticated_verifiers")) ?? false
        configuration.disableSDSAPI = try pick(overrides.disableSDSAPI, agent.bool("disable_sds_api")) ?? false
        configuration.disableWorkloadAPI = try pick(overrides.disableWorkloadAPI, agent.bool("disable_workload_api")) ?? false
        if let sds = try format(agent.block("sds")) {
            configuration.sds = try readSDS(sds)
        }
        try readAdmin(agent, into: &configuration)
        if let plugins = try format(root.block("plugins")) {
            try readPlugins(plugins, into: &configuration)
        }
        if let telemetry = try format(root.block("telemetry")) {
            configuration.telemetry = try format(TelemetryConfiguration(reading: telemetry))
        }
        if let health = try format(root.block("health_checks")) {
            configuration.healthChecks = try format(HealthCheckConfiguration(reading: health))
        }
        configuration.ignoredKeys = ignored
        return configuration
    }

    /// `admin_socket_path` and `authorized_delegates`, by SPIRE's rules: the admin socket is outside the
    /// Workload API socket's directory (when that socket is served); each delegate is a SPIFFE ID.
    private mutating func readAdmin(_ agent: ConfigBody, into configuration: inout AgentConfiguration) throws(AgentConfigurationError) {
        if let value = try format(agent.string("admin_socket_path")), !value.isEmpty {
            // A relative path is taken from the working directory, as SPIRE's filepath.Abs does.
            let admin = URL(fileURLWithPath: value).standardizedFileURL.path
            let publicDirectory = URL(fileURLWithPath: configuration.socketPath).standardizedFileURL.deletingLastPathComponent().path
            let publicServed = !(configuration.disableWorkloadAPI && configuration.disableSDSAPI)
            if publicServed, admin.hasPrefix(publicDirectory.hasSuffix("/") ? publicDirectory : publicDirectory + "/") {
                throw AgentConfigurationError(.conflict, "\(path): agent.admin_socket_path \"\(value)\" is in the directory of socket_path \"\(configuration.socketPath)\" (or below it): the admin socket cannot be in the same directory or a subdirectory as that containing the Workload API socket, which every local user can reach; use a private directory such as \(AgentConfiguration.defaultAdminSocketPath)")
            }
            configuration.adminSocketPath = admin
        }
        for text in try format(agent.stringList("authorized_delegates")) ?? [] {
            do {
                configuration.authorizedDelegates.append(try SPIFFEID(text))
            } catch {
                throw invalid("agent.authorized_delegates", text, "SPIFFE IDs such as spiffe://example.org/cilium (\(error.message))")
            }
        }
        if !configuration.authorizedDelegates.isEmpty, configuration.adminSocketPath == nil {
            ignored.append("agent.authorized_delegates (no admin_socket_path: the Delegated Identity API is not served)")
        }
    }

    /// `sds { default_svid_name, default_bundle_name, default_all_bundles_name, disable_spiffe_cert_validation }`.
    private func readSDS(_ sds: ConfigBody) throws(AgentConfigurationError) -> SDSConfiguration {
        let keys: Set<String> = ["default_svid_name", "default_bundle_name", "default_all_bundles_name", "disable_spiffe_cert_validation"]
        _ = try format(sds.rejectUnknownKeys(allowed: keys, ignored: [], context: "agent.sds"))
        var configuration = SDSConfiguration()
        for (key, path) in [("default_svid_name", \SDSConfiguration.defaultSVIDName), ("default_bundle_name", \.defaultBundleName), ("default_all_bundles_name", \.defaultAllBundlesName)] {
            guard let value = try format(sds.string(key)) else { continue }
            guard !value.isEmpty else { throw invalid("agent.sds.\(key)", value, "a non-empty resource name") }
            configuration[keyPath: path] = value
        }
        let names = [configuration.defaultSVIDName, configuration.defaultBundleName, configuration.defaultAllBundlesName]
        guard Set(names).count == names.count else {
            throw AgentConfigurationError(.conflict, "\(path): agent.sds: default_svid_name, default_bundle_name and default_all_bundles_name must differ (they are \(names.map { "\"\($0)\"" }.joined(separator: ", "))): a resource name can name one secret only")
        }
        configuration.disableSPIFFECertValidation = try format(sds.bool("disable_spiffe_cert_validation")) ?? false
        return configuration
    }

    private mutating func readPlugins(_ plugins: ConfigBody, into configuration: inout AgentConfiguration) throws(AgentConfigurationError) {
        let supported = ["KeyManager": ["disk", "memory"], "NodeAttestor": ["join_token", "x509pop", "k8s_psat", "gcp_iit", "aws_iid", "azure_msi"], "WorkloadAttestor": ["unix", "k8s", "docker"]]
        var seen: Set<String> = []
        var workloadAttestors: Set<String> = []
        for block in try format(plugins.allBlocks(labels: 1)) {
            let name = block.labels[0]
            guard let names = supported[block.type] else {
                throw AgentConfigurationError(.unsupported, "\(path): \(block.position): plugin type \"\(block.type)\" is not supported; supported: \(supported.keys.sorted().joined(separator: ", "))")
            }
            guard names.contains(name) else {
                throw AgentConfigurationError(.unsupported, "\(path): \(block.position): \(block.type) \"\(name)\" is not supported; supported: \(names.joined(separator: ", "))")
            }
            if try format(block.body.bool("enabled")) == false { continue }
            let kind = block.type == "WorkloadAttestor" ? block.type + name : block.type
            guard seen.insert(kind).inserted else {
                throw AgentConfigurationError(.conflict, "\(path): \(block.position): a second \(block.type) plugin; keep one")
            }
            try format(block.body.rejectUnknownKeys(allowed: ["plugin_data", "enabled"], context: "\(block.type) \"\(name)\""))
            let data = try format(block.body.block("plugin_data")) ?? ConfigBody(position: block.position)
            let context = "plugin_data of \(block.type) \"\(name)\""
            switch (block.type, name) {
            case ("KeyManager", "disk"):
                ignored += try format(data.rejectUnknownKeys(allowed: [], ignored: ["directory"], context: context)).map { "KeyManager.disk." + $0.name }
                configuration.keyManager = .disk
            case ("KeyManager", _):
                try format(data.rejectUnknownKeys(allowed: [], context: context))
                configuration.keyManager = .memory
            case ("NodeAttestor", "join_token"):
                try format(data.rejectUnknownKeys(allowed: [], context: context))
                configuration.nodeAttestor = .joinToken
            case ("NodeAttestor", "k8s_psat"):
                try format(data.rejectUnknownKeys(allowed: ["cluster", "token_path"], context: context))
                guard let cluster = try format(data.string("cluster")), !cluster.isEmpty else {
                    throw AgentConfigurationError(.missingKey, "\(path): \(block.position): NodeAttestor \"k8s_psat\" needs cluster in plugin_data: the name the server's k8s_psat clusters = { … } gives this cluster")
                }
                let tokenPath = try format(data.string("token_path")).flatMap { $0.isEmpty ? nil : $0 } ?? "/var/run/secrets/tokens/spire-agent"
                configuration.nodeAttestor = .k8sPSAT(cluster: cluster, tokenPath: tokenPath)
            case ("NodeAttestor", "gcp_iit"), ("NodeAttestor", "aws_iid"), ("NodeAttestor", "azure_msi"):
                configuration.nodeAttestor = try cloudNodeAttestor(name, data, context: context)
            case ("WorkloadAttestor", "docker"):
                workloadAttestors.insert(name)
                ignored += try format(data.rejectUnknownKeys(
                    allowed: ["docker_socket_path", "docker_version"],
                    ignored: ["use_new_container_locator", "verbose_container_locator_logs", "podman_socket_path", "podman_socket_path_template"],
                    unsupported: [
                        "container_id_cgroup_matchers": "custom cgroup matchers are not supported yet: remove them (Docker's cgroupfs, systemd and Kubernetes forms are recognized)",
                        "sigstore": "image signature verification (sigstore) is not supported yet: remove the block",
                        "experimental": "the experimental docker options are not supported: remove the block",
                    ],
                    context: context)).map { "WorkloadAttestor.docker." + $0.name }
                var socket = try format(data.string("docker_socket_path")).flatMap { $0.isEmpty ? nil : $0 } ?? "unix:///var/run/docker.sock"
                if socket.hasPrefix("unix://") { socket.removeFirst("unix://".count) }
                guard socket.hasPrefix("/") else {
                    throw invalid("WorkloadAttestor.docker.docker_socket_path", socket, "a Unix socket such as unix:///var/run/docker.sock (TCP engines are not supported)")
                }
                let version = try format(data.string("docker_version")) ?? ""
                guard version.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }) else {
                    throw invalid("WorkloadAttestor.docker.docker_version", version, "an Engine API version such as 1.41")
                }
                configuration.dockerWorkloadAttestor = (socketPath: socket, apiVersion: version)
            case ("WorkloadAttestor", "k8s"):
                workloadAttestors.insert(name)
                configuration.k8sWorkloadAttestor = try readK8sWorkloadAttestor(data, context: context, position: block.position)
            case ("NodeAttestor", _):
                try format(data.rejectUnknownKeys(allowed: ["certificate_path", "private_key_path", "intermediates_path"], context: context))
                guard let certificate = try format(data.string("certificate_path")), let key = try format(data.string("private_key_path")) else {
                    throw AgentConfigurationError(.missingKey, "\(path): \(block.position): NodeAttestor \"x509pop\" needs certificate_path and private_key_path in plugin_data")
                }
                configuration.nodeAttestor = .x509pop(certificatePath: certificate, privateKeyPath: key, intermediatesPath: try format(data.string("intermediates_path")))
            default:
                workloadAttestors.insert(name)
                try format(data.rejectUnknownKeys(allowed: ["discover_workload_path", "workload_size_limit"], context: context))
                configuration.discoverWorkloadPath = try format(data.bool("discover_workload_path")) ?? false
                configuration.workloadSizeLimit = try format(data.int("workload_size_limit")) ?? 0
            }
        }
        // As SPIRE, the configured workload attestors run; with none configured, `unix` does.
        configuration.unixWorkloadAttestor = workloadAttestors.isEmpty || workloadAttestors.contains("unix")
    }

    /// `WorkloadAttestor "k8s" { plugin_data { … } }` by SPIRE's rules; keys for features Steeple lacks are refused.
    private mutating func readK8sWorkloadAttestor(_ data: ConfigBody, context: String, position: ConfigPosition) throws(AgentConfigurationError) -> AgentConfiguration.K8sWorkloadAttestorSettings {
        let ignoredKeys: Set<String> = ["reload_interval", "use_new_container_locator", "verbose_container_locator_logs"]
        let allowed: Set<String> = [
            "kubelet_read_only_port", "kubelet_secure_port", "max_poll_attempts", "poll_retry_interval", "kubelet_ca_path",
            "skip_kubelet_verification", "token_path", "certificate_path", "private_key_path", "use_anonymous_authentication",
            "node_name_env", "node_name", "disable_container_selectors", "enable_namespace_labels",
        ]
        let unsupported = [
            "sigstore": "image signature verification (sigstore) is not supported yet: remove the block",
            "disable_kubelet_client": "attestation through the API server only is not supported: remove it",
            "experimental": "the experimental k8s options are not supported: remove the block",
        ]
        ignored += try format(data.rejectUnknownKeys(allowed: allowed, ignored: ignoredKeys, unsupported: unsupported, context: context)).map { "WorkloadAttestor.k8s." + $0.name }
        var settings = AgentConfiguration.K8sWorkloadAttestorSettings()
        let readOnly = try format(data.int("kubelet_read_only_port")) ?? 0
        let securePort = try format(data.int("kubelet_secure_port")) ?? 0
        if readOnly > 0, securePort > 0 {
            throw AgentConfigurationError(.conflict, "\(path): \(position): WorkloadAttestor \"k8s\": cannot use both the read-only and secure port: keep kubelet_secure_port (or kubelet_read_only_port)")
        }
        for (key, port) in [("kubelet_read_only_port", readOnly), ("kubelet_secure_port", securePort)] where port > 65535 {
            throw invalid("WorkloadAttestor.k8s.\(key)", "\(port)", "a port between 1 and 65535")
        }
        if readOnly > 0 {
            settings.kubeletPort = readOnly
            settings.secure = false
        } else if securePort > 0 {
            settings.kubeletPort = securePort
        }
        if let value = try format(data.int("max_poll_attempts")), value > 0 { settings.maxPollAttempts = value }
        if let value = try format(data.duration("poll_retry_interval")), value > .zero { settings.pollRetryInterval = value }
        if let value = try format(data.string("kubelet_ca_path")), !value.isEmpty { settings.kubeletCAPath = value }
        settings.skipKubeletVerification = try format(data.bool("skip_kubelet_verification")) ?? false
        if let value = try format(data.string("token_path")), !value.isEmpty { settings.tokenPath = value }
        let certificate = try format(data.string("certificate_path")).flatMap { $0.isEmpty ? nil : $0 }
        let key = try format(data.string("private_key_path")).flatMap { $0.isEmpty ? nil : $0 }
        if (certificate == nil) != (key == nil) {
            throw AgentConfigurationError(.missingKey, "\(path): \(position): WorkloadAttestor \"k8s\": certificate_path and private_key_path go together: set both or neither")
        }
        settings.certificatePath = certificate
        settings.privateKeyPath = key
        settings.useAnonymousAuthentication = try format(data.bool("use_anonymous_authentication")) ?? false
        settings.disableContainerSelectors = try format(data.bool("disable_container_selectors")) ?? false
        settings.enableNamespaceLabels = try format(data.bool("enable_namespace_labels")) ?? false
        if let name = try format(data.string("node_name")), !name.isEmpty {
            settings.nodeName = name
        } else {
            let variable = try format(data.string("node_name_env")).flatMap { $0.isEmpty ? nil : $0 } ?? "MY_NODE_NAME"
            settings.nodeName = ProcessInfo.processInfo.environment[variable] ?? ""
        }
        return settings
    }

    /// `trust_bundle_path`, `trust_bundle_url` (with `trust_bundle_unix_socket`), `trust_bundle_spiffe_workload_api`
    /// or `insecure_bootstrap`: exactly one, by SPIRE's rules.
    private func readBootstrap(_ agent: ConfigBody) throws(AgentConfigurationError) -> AgentConfiguration.Bootstrap {
        let bundlePath = try pick(overrides.trustBundlePath, agent.string("trust_bundle_path")).flatMap { $0.isEmpty ? nil : $0 }
        let bundleURL = try pick(overrides.trustBundleURL, agent.string("trust_bundle_url")).flatMap { $0.isEmpty ? nil : $0 }
        let unixSocket = try format(agent.string("trust_bundle_unix_socket")).flatMap { $0.isEmpty ? nil : $0 }
        let workloadAPI = try format(agent.string("trust_bundle_spiffe_workload_api")).flatMap { $0.isEmpty ? nil : $0 }
        let insecure = try pick(overrides.insecureBootstrap, agent.bool("insecure_bootstrap")) ?? false
        let chosen = [
            bundlePath.map { _ in "trust_bundle_path" }, bundleURL.map { _ in "trust_bundle_url" },
            workloadAPI.map { _ in "trust_bundle_spiffe_workload_api" }, insecure ? "insecure_bootstrap" : nil,
        ].compactMap { $0 }
        guard chosen.count <= 1 else {
            throw AgentConfigurationError(.conflict, "\(path): \(chosen.joined(separator: " and ")) are \(chosen.count == 2 ? "both" : "all") set: keep one (a bundle from a file, a URL or a Workload API is the safe choice)")
        }
        if unixSocket != nil, bundleURL == nil {
            throw AgentConfigurationError(.conflict, "\(path): trust_bundle_unix_socket is set without trust_bundle_url: set trust_bundle_url = \"http://localhost/bundle\" for the request to send on the socket")
        }
        if let bundlePath { return .bundleFile(bundlePath) }
        if let workloadAPI {
            do {
                _ = try WorkloadAPIEndpoint(workloadAPI)
            } catch {
                throw invalid("agent.trust_bundle_spiffe_workload_api", workloadAPI, "a SPIFFE Workload API address such as unix:///run/spire/agent.sock or tcp://127.0.0.1:8088 (\(error.message))")
            }
            return .workloadAPI(workloadAPI)
        }
        if let bundleURL {
            guard let url = URL(string: bundleURL), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
                throw invalid("agent.trust_bundle_url", bundleURL, "an https:// URL such as https://bundles.example.org/bundle.pem")
            }
            if let unixSocket {
                guard scheme == "http" else {
                    throw invalid("agent.trust_bundle_url", bundleURL, "an http:// URL when trust_bundle_unix_socket is set (the socket's service is trusted, not TLS)")
                }
                let reserved = (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).map(\.name).filter { $0.hasPrefix("spiffe-") || $0.hasPrefix("spire-") }
                guard reserved.isEmpty else {
                    throw invalid("agent.trust_bundle_url", bundleURL, "query parameters that do not start with spiffe- or spire- (the agent adds those itself: \(reserved.joined(separator: ", ")))")
                }
                guard unixSocket.hasPrefix("/") else {
                    throw invalid("agent.trust_bundle_unix_socket", unixSocket, "an absolute path")
                }
            } else {
                guard scheme == "https" else {
                    throw invalid("agent.trust_bundle_url", bundleURL, "an https:// URL (a bundle fetched over plain http could be anyone's; use trust_bundle_unix_socket for a local http service)")
                }
            }
            return .bundleURL(url, unixSocket: unixSocket)
        }
        if insecure { return .insecure }
        throw AgentConfigurationError(.missingKey, "\(path): the agent needs a way to trust the server: set trust_bundle_path = \"/path/to/bundle.pem\" (the output of `steeple-server bundle show`), trust_bundle_url, trust_bundle_spiffe_workload_api, or insecure_bootstrap = true")
    }

    static func logLevel(_ text: String) -> Logger.Level? {
        SPIRELogLevel(name: text)?.swiftLogLevel
    }

    @discardableResult
    private func format<T>(_ read: @autoclosure () throws(ConfigError) -> T) throws(AgentConfigurationError) -> T {
        do {
            return try read()
        } catch {
            let code: AgentConfigurationError.Code = switch error.code {
            case .unknownKey: .unknownKey
            case .missingKey: .missingKey
            case .syntax: .syntax
            case .unsupportedKey: .unsupported
            default: .invalidValue
            }
            throw AgentConfigurationError(code, "\(path): \(error.message)")
        }
    }

    /// The flag when given, else the file's value.
    private func pick<T>(_ override: T?, _ read: @autoclosure () throws(ConfigError) -> T?) throws(AgentConfigurationError) -> T? {
        if let override { return override }
        return try format(read())
    }

    /// The token in `file` (SPIRE's `join_token_file`), without surrounding whitespace.
    private static func readJoinToken(_ file: String, configurationPath: String) throws(AgentConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw AgentConfigurationError(.unreadable, "\(configurationPath): join_token_file \(file) cannot be read: give the path of a file holding the token from `steeple-server token generate`")
        }
        let text = String(decoding: data, as: UTF8.self)
        let token = String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        guard !token.isEmpty else {
            throw AgentConfigurationError(.invalidValue, "\(configurationPath): join_token_file \(file) is empty: it must hold the token from `steeple-server token generate`")
        }
        return token
    }

    /// `NodeAttestor "gcp_iit"` (`identity_token_host`, `service_account`), `"aws_iid"` (`ec2_metadata_endpoint`) and
    /// `"azure_msi"` (`resource_id`, and Steeple's `metadata_endpoint`), SPIRE's keys and defaults.
    private func cloudNodeAttestor(_ name: String, _ data: ConfigBody, context: String) throws(AgentConfigurationError) -> AgentConfiguration.NodeAttestorSettings {
        func value(_ key: String, default fallback: String) throws(AgentConfigurationError) -> String {
            let found = try format(data.string(key)) ?? ""
            return found.isEmpty ? fallback : found
        }
        func endpoint(_ key: String) throws(AgentConfigurationError) -> String {
            let found = try value(key, default: "http://169.254.169.254")
            guard let url = URL(string: found), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw invalid("NodeAttestor.\(name).\(key)", found, "an http:// URL such as http://169.254.169.254")
            }
            return found
        }
        switch name {
        case "gcp_iit":
            try format(data.rejectUnknownKeys(allowed: ["identity_token_host", "service_account"], context: context))
            return .gcpIIT(host: try value("identity_token_host", default: "metadata.google.internal"), serviceAccount: try value("service_account", default: "default"))
        case "aws_iid":
            try format(data.rejectUnknownKeys(allowed: ["ec2_metadata_endpoint"], context: context))
            return .awsIID(endpoint: try endpoint("ec2_metadata_endpoint"))
        default:
            try format(data.rejectUnknownKeys(allowed: ["resource_id", "metadata_endpoint"], context: context))
            return .azureMSI(resource: try value("resource_id", default: "https://management.azure.com/"), endpoint: try endpoint("metadata_endpoint"))
        }
    }

    private func invalid(_ key: String, _ found: String, _ expected: String) -> AgentConfigurationError {
        AgentConfigurationError(.invalidValue, "\(path): \(key): expected \(expected), found \"\(found)\"")
    }
}
