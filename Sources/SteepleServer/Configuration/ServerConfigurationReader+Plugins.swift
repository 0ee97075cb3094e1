import SteepleConfig
import SteepleDatastorePostgres
import SteepleSupport

#if canImport(Glibc)
import Glibc
#endif

/// `plugins { Type "name" { enabled, plugin_data { … } } }`: the built-in catalog, matched to SPIRE's names.
///
/// | type | names | how many |
/// |---|---|---|
/// | `DataStore` | `sql` (`database_type = "sqlite3"` or `"postgres"`) | at most one; default SQLite in `data_dir` |
/// | `KeyManager` | `disk`, `memory` | at most one; default `disk` at `<data_dir>/keys.json` |
/// | `UpstreamAuthority` | `disk`, `spire`, `vault` | at most one |
/// | `Notifier` | `k8sbundle` | at most one |
/// | `NodeAttestor` | `join_token`, `k8s_psat`, `x509pop`, `gcp_iit`, `aws_iid`, `azure_msi` | each name at most once |
extension ServerConfigurationReader {
    /// The supported plugin types and their names, in the order messages list them.
    static let catalog: [(type: String, names: [String])] = [
        ("DataStore", ["sql"]),
        ("KeyManager", ["disk", "memory"]),
        ("NodeAttestor", ["join_token", "k8s_psat", "x509pop", "gcp_iit", "aws_iid", "azure_msi"]),
        ("UpstreamAuthority", ["disk", "spire", "vault"]),
        ("Notifier", ["k8sbundle"]),
    ]

    /// The keys of a plugin block itself, around `plugin_data`.
    static let pluginKeys: Set<String> = [
        "enabled", "plugin_data", "plugin_cmd", "plugin_checksum", "plugin_data_file",
    ]

    /// `database_type` values SPIRE supports that Steeple does not have yet.
    static let plannedDatabaseTypes: Set<String> = ["mysql", "aws_postgres", "aws_mysql"]

    mutating func readPlugins(
        _ plugins: ConfigBody, into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        let blocks = try format(plugins.allBlocks(labels: 1))
        var firstOfKind: [String: ConfigBlock] = [:]
        // As SPIRE's validate, every plugin is checked and every plugin's error reported, not just the first.
        var errors: [ServerConfigurationError] = []
        for block in blocks {
            do {
                try readPlugin(block, firstOfKind: &firstOfKind, into: &configuration)
            } catch {
                errors.append(error)
            }
        }
        if let first = errors.first {
            guard errors.count > 1 else { throw first }
            var combined = ServerConfigurationError(first.code, errors.map(\.message).joined(separator: "\n"), cause: first.cause)
            combined.position = first.position
            throw combined
        }
    }

    private mutating func readPlugin(
        _ block: ConfigBlock, firstOfKind: inout [String: ConfigBlock], into configuration: inout ServerConfiguration
    ) throws(ServerConfigurationError) {
        let name = block.labels[0]
        let body = block.body
        let key = "plugins.\(block.displayName)"
        if try format(body.bool("enabled")) == false {
            ignored.append(
                IgnoredSetting(key: key, position: block.position, reason: "disabled with enabled = false"))
            return
        }
        try checkCatalog(block)

        let kind = block.type == "NodeAttestor" ? block.displayName : block.type
        if let first = firstOfKind[kind] {
            let what = block.type == "NodeAttestor" ? "\(block.displayName) is" : "a \(block.type) plugin is"
            throw ServerConfigurationError(
                .duplicate, at: block.position, in: path,
                "\(what) already configured at \(first.position) (\(first.displayName)); keep one")
        }
        firstOfKind[kind] = block

        let data = try pluginData(block)
        let section = "\(key).plugin_data"
        switch (block.type, name) {
        case ("DataStore", _):
            configuration.dataStore = try dataStore(data, section: section)
        case ("KeyManager", "memory"):
            try noSettings(data, block)
            configuration.keyManager = .memory
        case ("KeyManager", _):
            try format(
                data.rejectUnknownKeys(allowed: ["keys_path"], context: "plugin_data of \(block.displayName)"))
            configuration.keyManager = .disk(keysPath: try string(data, "keys_path", in: section).flatMap(nonEmpty))
        case ("UpstreamAuthority", "vault"):
            configuration.upstreamAuthority = .vault(try vaultUpstreamAuthority(data, block, section: section))
        case ("UpstreamAuthority", "spire"):
            configuration.upstreamAuthority = try spireUpstreamAuthority(data, block, section: section)
        case ("UpstreamAuthority", _):
            configuration.upstreamAuthority = try upstreamAuthority(data, block, section: section)
        case ("NodeAttestor", "join_token"):
            try noSettings(data, block)
            configuration.nodeAttestors.joinToken = true
        case ("NodeAttestor", "k8s_psat"):
            configuration.nodeAttestors.k8sPSAT = try k8sPSAT(data, block)
        case ("NodeAttestor", "gcp_iit"), ("NodeAttestor", "aws_iid"), ("NodeAttestor", "azure_msi"):
            try readCloudAttestor(name, data, block, section: section, into: &configuration)
        case ("Notifier", _):
            configuration.k8sBundleNotifier = try k8sBundle(data, block)
        default:
            configuration.nodeAttestors.x509pop = try x509pop(data, block, section: section)
        }
    }

    /// The block's `plugin_data { … }`, or the HCL body of the file `plugin_data_file` names (SPIRE opens it relative
    /// to the working directory and reports a missing one as Go does).
    private func pluginData(_ block: ConfigBlock) throws(ServerConfigurationError) -> ConfigBody {
        let inline = try format(block.body.block("plugin_data"))
        guard let entry = block.body.entries.first(where: { $0.key == "plugin_data_file" }) else {
            return inline ?? ConfigBody(position: block.position)
        }
        guard inline == nil else {
            throw ServerConfigurationError(
                .invalidValue, at: entry.position, in: path,
                "\(block.displayName) sets both plugin_data and plugin_data_file: keep one")
        }
        guard let file = try format(block.body.string("plugin_data_file")), !file.isEmpty else {
            throw ServerConfigurationError(
                .invalidValue, at: entry.position, in: path, "plugin_data_file in \(block.displayName) must name a file")
        }
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            var reason = String(cString: strerror(errno))
            if let first = reason.first { reason = first.lowercased() + reason.dropFirst() }
            throw ServerConfigurationError(
                .invalidValue, at: entry.position, in: path,
                "failed to read plugin configuration: open \(file): \(reason) (plugin_data_file of \(block.displayName))")
        }
        close(descriptor)
        guard let text = FileIO.read(path: file) else {
            throw ServerConfigurationError(
                .invalidValue, at: entry.position, in: path, "failed to read plugin configuration: cannot read \(file)")
        }
        do {
            return try ConfigBody(parsing: text, format: .hcl)
        } catch {
            throw ServerConfigurationError(
                .syntax, at: entry.position, in: path, "plugin_data_file \(file) of \(block.displayName): \(error.message)", cause: error)
        }
    }

    /// Rejects external plugins, types and names outside the catalog, and unknown plugin keys.
    private func checkCatalog(_ block: ConfigBlock) throws(ServerConfigurationError) {
        for external in ["plugin_cmd", "plugin_checksum"] {
            if let entry = block.body.entries.first(where: { $0.key == external }) {
                throw ServerConfigurationError(
                    .unsupportedPlugin, at: entry.position, in: path,
                    "\(external) in \(block.displayName): external plugins are not supported; "
                        + "Steeple has built-in plugins only: \(Self.catalogSummary)")
            }
        }
        guard let names = Self.catalog.first(where: { $0.type == block.type })?.names else {
            throw ServerConfigurationError(
                .unsupportedPlugin, at: block.position, in: path,
                "plugin type \"\(block.type)\" is not supported; supported plugins: \(Self.catalogSummary)")
        }
        guard names.contains(block.labels[0]) else {
            throw ServerConfigurationError(
                .unsupportedPlugin, at: block.labelPositions[0], in: path,
                "\(block.type) plugin \"\(block.labels[0])\" is not supported; supported \(block.type) plugins: "
                    + names.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        try format(block.body.rejectUnknownKeys(allowed: Self.pluginKeys, context: block.displayName))
    }

    /// `DataStore "sql"`: `database_type = "sqlite3"` (the default; `connection_string` is the database file) or
    /// `"postgres"` (`connection_string` required, `ro_connection_string` optional, `max_open_conns` honoured).
    private mutating func dataStore(
        _ data: ConfigBody, section: String
    ) throws(ServerConfigurationError) -> DataStoreConfiguration {
        var type = "sqlite3"
        if let (found, position) = try databaseType(data) {
            if Self.plannedDatabaseTypes.contains(found) {
                throw ServerConfigurationError(
                    .unsupportedValue, at: position, in: path,
                    "database_type \"\(found)\" is not supported yet: Steeple's datastores are \"sqlite3\" (embedded) "
                        + "and \"postgres\"; mysql and the aws_ variants are planned")
            }
            guard found == "sqlite3" || found == "postgres" else {
                throw ServerConfigurationError(
                    .invalidValue, at: position, in: path,
                    "invalid value for \"database_type\": expected \"sqlite3\" or \"postgres\", found \"\(found)\"")
            }
            type = found
        }
        if type == "postgres" { return try postgresDataStore(data, section: section) }
        let present = try format(
            data.rejectUnknownKeys(
                allowed: ["database_type", "connection_string"],
                ignored: ["max_open_conns", "max_idle_conns", "conn_max_lifetime", "log_sql", "disable_migration", "ro_connection_string"],
                context: "plugin_data of DataStore \"sql\""))
        ignore(present, in: section, reason: "has no effect on the embedded SQLite datastore")
        guard let connection = try string(data, "connection_string", in: section).flatMap(nonEmpty) else {
            return .sqlite(path: nil)
        }
        return .sqlite(path: Self.sqlitePath(fromConnectionString: connection))
    }

    /// `database_type = "postgres"`: both connection strings are parsed here, so a typo is reported at its line
    /// at start (and by `validate`) rather than as a connection failure.
    private mutating func postgresDataStore(
        _ data: ConfigBody, section: String
    ) throws(ServerConfigurationError) -> DataStoreConfiguration {
        let present = try format(
            data.rejectUnknownKeys(
                allowed: ["database_type", "connection_string", "ro_connection_string", "max_open_conns"],
                ignored: ["max_idle_conns", "conn_max_lifetime", "log_sql", "disable_migration"],
                context: "plugin_data of DataStore \"sql\""))
        ignore(present, in: section, reason: "has no effect: connections are pooled by postgres-nio and migrations always run")
        func connectionString(_ key: String) throws(ServerConfigurationError) -> String? {
            guard let value = try string(data, key, in: section) else { return nil }
            do {
                _ = try PostgresConnectionString(value)
            } catch {
                throw ServerConfigurationError(
                    .invalidValue, at: data.attribute(key)?.value.position, in: path,
                    "invalid value for \"\(key)\": the PostgreSQL connection string \(error.message)")
            }
            return value
        }
        guard let primary = try connectionString("connection_string") else {
            throw ServerConfigurationError(
                .missingKey, at: nil, in: path,
                "DataStore \"sql\" with database_type = \"postgres\" needs connection_string, such as "
                    + "\"dbname=spire user=spire host=db.example.org port=5432 sslmode=verify-full\" or postgresql://spire@db.example.org/spire")
        }
        let replica = try connectionString("ro_connection_string")
        // As SPIRE (Go's database/sql): 100 unless set; zero or less means no limit of ours.
        let maxConnections: Int?
        switch try int(data, "max_open_conns", in: section) {
        case nil: maxConnections = PostgresDataStoreConfiguration.defaultMaxOpenConnections
        case let value? where value <= 0: maxConnections = nil
        case let value?: maxConnections = value
        }
        return .postgres(PostgresDataStoreConfiguration(connectionString: primary, readOnlyConnectionString: replica, maxOpenConnections: maxConnections))
    }

    /// Records keys of a plugin's data that are accepted and have no effect.
    private mutating func ignore(_ keys: [ConfigKey], in section: String, reason: String) {
        for key in keys {
            ignored.append(IgnoredSetting(key: "\(section).\(key.name)", position: key.position, reason: reason))
        }
    }

    /// The file of a SQLite connection string: a path, or a `file:` URI whose query (`?_busy_timeout=…`) is dropped.
    static func sqlitePath(fromConnectionString connection: String) -> String {
        var path = Substring(connection)
        if path.hasPrefix("file:") {
            path = path.dropFirst("file:".count)
            if let query = path.firstIndex(of: "?") {
                path = path[..<query]
            }
        }
        return String(path)
    }

    /// `database_type = "sqlite3"`, or SPIRE's block form `database_type "aws_postgres" { … }`.
    private func databaseType(_ data: ConfigBody) throws(ServerConfigurationError) -> (String, ConfigPosition)? {
        guard let entry = data.entries.first(where: { $0.key == "database_type" }) else { return nil }
        if case .attribute(let attribute) = entry, Self.isScalar(attribute.value) {
            return (try format(attribute.value.asString()), attribute.value.position)
        }
        let blocks = try format(data.blocks("database_type", labels: 1))
        guard let block = blocks.first else {
            throw ServerConfigurationError(
                .invalidValue, at: entry.position, in: path, "invalid value for \"database_type\": expected \"sqlite3\""
            )
        }
        return (block.labels[0], block.labelPositions[0])
    }

    /// A key a plugin cannot do without: absent or empty is refused, naming the key, the block and `why`.
    private func required(_ value: String?, _ key: String, _ data: ConfigBody, _ block: ConfigBlock, _ why: String) throws(ServerConfigurationError) -> String {
        guard let value, !value.isEmpty else {
            throw ServerConfigurationError(
                .missingKey, at: data.position, in: path, "missing required key \"\(key)\" in plugin_data of \(block.displayName): " + why)
        }
        return value
    }

    /// `UpstreamAuthority "disk"`: `cert_file_path` and `key_file_path` required, `bundle_file_path` optional.
    private mutating func upstreamAuthority(
        _ data: ConfigBody, _ block: ConfigBlock, section: String
    ) throws(ServerConfigurationError) -> UpstreamAuthorityConfiguration {
        try format(
            data.rejectUnknownKeys(
                allowed: ["cert_file_path", "key_file_path", "bundle_file_path"],
                context: "plugin_data of \(block.displayName)"))
        let why = "'cert_file_path' and 'key_file_path' must be set and not empty"
        let certificate = try required(try string(data, "cert_file_path", in: section), "cert_file_path", data, block, why)
        let key = try required(try string(data, "key_file_path", in: section), "key_file_path", data, block, why)
        let bundle = try string(data, "bundle_file_path", in: section).flatMap(nonEmpty)
        return .disk(certFilePath: certificate, keyFilePath: key, bundleFilePath: bundle)
    }

    /// `UpstreamAuthority "vault"`: SPIRE's keys; token and AppRole authentication (`cert_auth` and `k8s_auth` are
    /// refused, naming what works). What the environment may still give (`VAULT_ADDR`, `VAULT_TOKEN`, …) is checked at
    /// start.
    private mutating func vaultUpstreamAuthority(
        _ data: ConfigBody, _ block: ConfigBlock, section: String
    ) throws(ServerConfigurationError) -> VaultUpstreamConfiguration {
        try format(
            data.rejectUnknownKeys(
                allowed: ["vault_addr", "pki_mount_point", "ca_cert_path", "insecure_skip_verify", "namespace", "token_auth", "approle_auth", "cert_auth", "k8s_auth"],
                context: "plugin_data of \(block.displayName)"))
        for unsupported in ["cert_auth", "k8s_auth"] where try format(data.block(unsupported)) != nil {
            throw ServerConfigurationError(
                .unsupportedValue, at: data.position, in: path,
                "\(unsupported) of \(block.displayName) is not supported yet: use token_auth or approle_auth")
        }
        let token = try format(data.block("token_auth"))
        let appRole = try format(data.block("approle_auth"))
        let authentication: VaultUpstreamConfiguration.Authentication
        switch (token, appRole) {
        case (let token?, nil):
            try format(token.rejectUnknownKeys(allowed: ["token"], context: "token_auth of \(block.displayName)"))
            authentication = .token(try format(token.string("token")) ?? "")
        case (nil, let appRole?):
            try format(appRole.rejectUnknownKeys(allowed: ["approle_auth_mount_point", "approle_id", "approle_secret_id"], context: "approle_auth of \(block.displayName)"))
            authentication = .appRole(
                mountPoint: try format(appRole.string("approle_auth_mount_point")).flatMap(nonEmpty) ?? "approle",
                roleID: try format(appRole.string("approle_id")) ?? "",
                secretID: try format(appRole.string("approle_secret_id")) ?? "")
        case (.some, .some):
            throw ServerConfigurationError(.invalidValue, at: data.position, in: path, "only one authentication method can be configured in \(block.displayName): token_auth or approle_auth")
        case (nil, nil):
            throw ServerConfigurationError(
                .missingKey, at: data.position, in: path,
                "\(block.displayName) must be configured with one authentication method: token_auth { token = \"…\" } or approle_auth { approle_id = \"…\" approle_secret_id = \"…\" }")
        }
        var settings = VaultUpstreamConfiguration(vaultAddress: try string(data, "vault_addr", in: section) ?? "", authentication: authentication)
        if let mount = try string(data, "pki_mount_point", in: section).flatMap(nonEmpty) { settings.pkiMountPoint = mount }
        settings.caCertPath = try string(data, "ca_cert_path", in: section).flatMap(nonEmpty)
        settings.insecureSkipVerify = try bool(data, "insecure_skip_verify", in: section) ?? false
        settings.namespace = try string(data, "namespace", in: section).flatMap(nonEmpty)
        return settings
    }

    /// `UpstreamAuthority "spire"` (nested servers): `server_address`, `server_port` and `workload_api_socket`, all
    /// required, as SPIRE's plugin requires them.
    private mutating func spireUpstreamAuthority(
        _ data: ConfigBody, _ block: ConfigBlock, section: String
    ) throws(ServerConfigurationError) -> UpstreamAuthorityConfiguration {
        try format(
            data.rejectUnknownKeys(
                allowed: ["server_address", "server_port", "workload_api_socket"],
                context: "plugin_data of \(block.displayName)"))
        let why = "nested servers need server_address, server_port and workload_api_socket (the local agent's socket)"
        let address = try required(try string(data, "server_address", in: section), "server_address", data, block, why)
        // SPIRE reads the port as a string ("8081"); a number is taken too.
        let port = try required(try int(data, "server_port", in: section).map(String.init), "server_port", data, block, why)
        guard let port = Int(port), (1...65535).contains(port) else {
            throw ServerConfigurationError(
                .invalidValue, at: data.position, in: path,
                "invalid value for \"server_port\" in plugin_data of \(block.displayName): \(port) is not a TCP port (1-65535)")
        }
        let socket = try required(try string(data, "workload_api_socket", in: section), "workload_api_socket", data, block, why)
        return .spire(serverAddress: address, serverPort: port, workloadAPISocket: socket)
    }

    /// `NodeAttestor "x509pop"`: exactly one of `ca_bundle_path` and `ca_bundle_paths`, optional `agent_path_template`,
    /// `max_intermediates` and `max_rsa_key_size`.
    private mutating func x509pop(
        _ data: ConfigBody, _ block: ConfigBlock, section: String
    ) throws(ServerConfigurationError) -> X509PoPConfiguration {
        try format(
            data.rejectUnknownKeys(
                allowed: ["ca_bundle_path", "ca_bundle_paths", "agent_path_template", "mode", "max_intermediates", "max_rsa_key_size"],
                context: "plugin_data of \(block.displayName)"))
        if let mode = try string(data, "mode", in: section), mode != "external_pki" {
            throw ServerConfigurationError(
                .unsupportedValue, at: position(of: "\(section).mode"), in: path,
                "x509pop mode \"\(mode)\" is not supported yet: only \"external_pki\" (the default) is")
        }
        let single = try string(data, "ca_bundle_path", in: section)
        let list = try format(data.stringList("ca_bundle_paths"))
        if list != nil {
            sources["\(section).ca_bundle_paths"] = data.attribute("ca_bundle_paths").map { .file($0.value.position) }
        }
        let paths: [String]
        switch (single, list) {
        case (let single?, nil):
            paths = [single]
        case (nil, let list?):
            paths = list
        case (_?, _?):
            throw ServerConfigurationError(
                .invalidValue, at: position(of: "\(section).ca_bundle_paths"), in: path,
                "set one of \"ca_bundle_path\" or \"ca_bundle_paths\" in plugin_data of \(block.displayName), not both")
        case (nil, nil):
            throw ServerConfigurationError(
                .missingKey, at: data.position, in: path,
                "missing required key \"ca_bundle_path\" (or \"ca_bundle_paths\") "
                    + "in plugin_data of \(block.displayName)")
        }
        var configuration = X509PoPConfiguration(caBundlePaths: paths)
        if let template = try string(data, "agent_path_template", in: section) {
            configuration.agentPathTemplate = template
        }
        // SPIRE's bounds against oversized chains and keys, and its words when one is not positive.
        for (key, keyPath) in [("max_intermediates", \X509PoPConfiguration.maxIntermediates), ("max_rsa_key_size", \X509PoPConfiguration.maxRSAKeySize)] {
            guard let value = try int(data, key, in: section) else { continue }
            guard value > 0 else {
                throw ServerConfigurationError(.invalidValue, at: position(of: "\(section).\(key)"), in: path, "\(key) must be greater than 0")
            }
            configuration[keyPath: keyPath] = value
        }
        return configuration
    }

    /// `NodeAttestor "k8s_psat" { plugin_data { clusters = { "<name>" = { service_account_allow_list, audience,
    /// kube_config_file, allowed_node_label_keys, allowed_pod_label_keys, use_pod_uid_for_agent_id } } } }`. Each
    /// cluster needs at least one service account (SPIRE's rule); no cluster at all is allowed and attests nothing.
    private mutating func k8sPSAT(
        _ data: ConfigBody, _ block: ConfigBlock
    ) throws(ServerConfigurationError) -> [String: K8sPSATClusterConfiguration] {
        try format(data.rejectUnknownKeys(allowed: ["clusters"], context: "plugin_data of \(block.displayName)"))
        var clusters: [String: K8sPSATClusterConfiguration] = [:]
        let keys: Set<String> = [
            "service_account_allow_list", "audience", "kube_config_file", "allowed_node_label_keys", "allowed_pod_label_keys",
            "use_pod_uid_for_agent_id",
        ]
        for cluster in try format(data.blocks("clusters", labels: 1)) {
            let name = cluster.labels[0]
            let body = cluster.body
            let context = "cluster \"\(name)\" of \(block.displayName)"
            try format(body.rejectUnknownKeys(allowed: keys, context: context))
            let accounts = try format(body.stringList("service_account_allow_list")) ?? []
            guard !accounts.isEmpty else {
                throw ServerConfigurationError(
                    .missingKey, at: cluster.position, in: path,
                    "cluster \"\(name)\" configuration must have at least one service account allowed: "
                        + "set service_account_allow_list = [\"spire:spire-agent\"] (namespace:service account of the agents)")
            }
            for account in accounts where account.split(separator: ":", omittingEmptySubsequences: false).count != 2 {
                throw ServerConfigurationError(
                    .invalidValue, at: body.attribute("service_account_allow_list")?.value.position, in: path,
                    "service_account_allow_list of \(context): \"\(account)\" is not namespace:name, such as \"spire:spire-agent\"")
            }
            var settings = K8sPSATClusterConfiguration(serviceAccountAllowList: Set(accounts))
            if let audience = try format(body.stringList("audience")) { settings.audience = audience }
            settings.kubeConfigFile = try format(body.string("kube_config_file")).flatMap(nonEmpty)
            settings.allowedNodeLabelKeys = Set(try format(body.stringList("allowed_node_label_keys")) ?? [])
            settings.allowedPodLabelKeys = Set(try format(body.stringList("allowed_pod_label_keys")) ?? [])
            settings.usePodUIDForAgentID = try format(body.bool("use_pod_uid_for_agent_id")) ?? false
            clusters[name] = settings
        }
        return clusters
    }

    /// `Notifier "k8sbundle"`: `namespace` (`spire`), `config_map` (`spire-bundle`), `config_map_key` (`bundle.crt`),
    /// `kube_config_file_path` (empty: in-cluster). Webhook, APIService and multi-cluster updates are refused.
    private mutating func k8sBundle(
        _ data: ConfigBody, _ block: ConfigBlock
    ) throws(ServerConfigurationError) -> K8sBundleNotifierConfiguration {
        try format(
            data.rejectUnknownKeys(
                allowed: ["namespace", "config_map", "config_map_key", "kube_config_file_path"],
                unsupported: [
                    "webhook_label": "updating webhook configurations is not supported yet: remove it (the ConfigMap is updated)",
                    "api_service_label": "updating APIServices is not supported yet: remove it (the ConfigMap is updated)",
                    "clusters": "updating other clusters is not supported yet: run a notifier per cluster's server, or remove it",
                ],
                context: "plugin_data of \(block.displayName)"))
        var settings = K8sBundleNotifierConfiguration()
        if let value = try format(data.string("namespace")).flatMap(nonEmpty) { settings.namespace = value }
        if let value = try format(data.string("config_map")).flatMap(nonEmpty) { settings.configMap = value }
        if let value = try format(data.string("config_map_key")).flatMap(nonEmpty) { settings.configMapKey = value }
        settings.kubeConfigFilePath = try format(data.string("kube_config_file_path")).flatMap(nonEmpty)
        return settings
    }

    /// A plugin that takes no settings: its `plugin_data`, if any, must be empty.
    private func noSettings(_ data: ConfigBody, _ block: ConfigBlock) throws(ServerConfigurationError) {
        try format(data.rejectUnknownKeys(allowed: [], context: "plugin_data of \(block.displayName)"))
    }

    /// Whether a value is a string, number or bool, not a list or object.
    private static func isScalar(_ value: ConfigValue) -> Bool {
        switch value.kind {
        case .string, .number, .bool: true
        case .list, .object: false
        }
    }

    private func nonEmpty(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }

    /// `DataStore "sql", KeyManager "disk", …` for messages.
    static var catalogSummary: String {
        catalog.flatMap { entry in entry.names.map { "\(entry.type) \"\($0)\"" } }.joined(separator: ", ")
    }
}
