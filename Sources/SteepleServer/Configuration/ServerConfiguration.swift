package import Logging
package import SPIFFE
package import SPIFFECA
package import X509
package import SteepleTelemetry

/// Everything `steeple-server run` needs, with SPIRE's defaults. Built from a `server.conf` (see
/// `ServerConfiguration+File.swift`) and command-line flags; consumed by ``Server``.
package struct ServerConfiguration: Sendable {
    /// `server.trust_domain`.
    package var trustDomain: TrustDomain
    /// `server.data_dir`: where the SQLite database and disk keys live by default.
    package var dataDirectory: String = "./data/server"
    /// `server.bind_address` (default 0.0.0.0): the agent API's TCP listener.
    package var bindAddress: String = "0.0.0.0"
    /// `server.bind_port` (default 8081).
    package var bindPort: Int = 8081
    /// `server.socket_path` (default /tmp/spire-server/private/api.sock): the admin API's Unix socket.
    package var socketPath: String = ServerConfiguration.defaultSocketPath
    /// `server.ca_ttl` (default 24h).
    package var caTTL: Duration = .seconds(24 * 3600)
    /// `server.default_x509_svid_ttl` (default 1h).
    package var defaultX509SVIDTTL: Duration = .seconds(3600)
    /// `server.default_jwt_svid_ttl` (default 5m).
    package var defaultJWTSVIDTTL: Duration = .seconds(300)
    /// `server.agent_ttl` (default: the X509-SVID default).
    package var agentTTL: Duration?
    /// `server.ca_key_type` (default ec-p256).
    package var caKeyType: CAKeyType = .ecP256
    /// `server.jwt_key_type` (default: `caKeyType`).
    package var jwtKeyType: CAKeyType?
    /// `server.ca_subject` (default C=US, O=SPIFFE).
    package var caSubject: DistinguishedName = ServerConfiguration.defaultCASubject
    /// `server.jwt_issuer`: the `iss` claim of JWT-SVIDs, when set.
    package var jwtIssuer: String?
    /// `server.log_level` (default INFO).
    package var logLevel: Logger.Level = .info
    /// `server.log_format`: `text` (default) or `json`.
    package var logFormat: LogFormat = .text
    /// `server.disable_jwt_svids`: issue no JWT-SVIDs.
    package var disableJWTSVIDs = false
    /// `server.log_file`: append log lines to this file instead of standard error.
    package var logFile: String?
    /// `server.log_source_location`: each log line names the file, line and function that logged it.
    package var logSourceLocation = false
    /// `plugins { DataStore "sql" { plugin_data { database_type = "sqlite3", connection_string } } }`.
    package var dataStore: DataStoreConfiguration = .sqlite(path: nil)
    /// `plugins { KeyManager "disk" { plugin_data { keys_path } } }` or `KeyManager "memory"`.
    package var keyManager: KeyManagerConfiguration = .disk(keysPath: nil)
    /// `plugins { UpstreamAuthority "disk" { plugin_data { cert_file_path, key_file_path, bundle_file_path } } }`.
    package var upstreamAuthority: UpstreamAuthorityConfiguration?
    /// `plugins { NodeAttestor "join_token" {} }` and/or `NodeAttestor "x509pop" { plugin_data { ca_bundle_path(s), agent_path_template } }`.
    package var nodeAttestors: NodeAttestorConfiguration = NodeAttestorConfiguration()
    /// `Notifier "k8sbundle" { plugin_data { namespace, config_map, config_map_key, kube_config_file_path } }`.
    package var k8sBundleNotifier: K8sBundleNotifierConfiguration?
    /// `server.admin_ids`: callers presenting an X509-SVID of one of these IDs on the TCP port may call SPIRE's admin
    /// methods (as may the SVIDs of `-admin` entries). IDs of the server's own trust domain only.
    package var adminIDs: [SPIFFEID] = []
    /// `prune_attested_nodes_expired_for`: agents whose SVID expired longer ago than this are deleted on a timer
    /// (banned ones stay); `nil`: never.
    package var pruneAttestedNodesExpiredFor: Duration?
    /// `prune_tofu_nodes`: the pruning includes agents that cannot re-attest (join tokens).
    package var pruneTOFUNodes = false
    /// `audit_log_enabled`: an `API accessed` line per admin call and an `SVID issued` line per SVID signed.
    package var auditLogEnabled = false
    /// `federation { … }`: the bundle endpoint and the configured federation relationships.
    package var federation = FederationConfiguration()
    /// `health_checks { listener_enabled, bind_address, bind_port, live_path, ready_path }` (shared with the agent).
    package var healthChecks: HealthCheckConfiguration = HealthCheckConfiguration()
    /// `telemetry { Prometheus { … } Statsd = [ … ] DogStatsd = [ … ] }`: no sink unless configured.
    package var telemetry = TelemetryConfiguration()
    /// Keys read from the file that Steeple accepts but ignores (logged at start), as dotted paths such as
    /// `server.profiling_enabled`; ``ignoredSettings`` has their positions and the reason.
    package var ignoredKeys: [String] = []
    /// The accepted-and-ignored keys and disabled plugins found in the file, with positions and reasons.
    package var ignoredSettings: [IgnoredSetting] = []
    /// Where each setting that was not left at its default came from, keyed by dotted path such as
    /// `server.bind_port`: a position in the file or a command-line flag. ``validate()`` names it in errors.
    package var settingSources: [String: SettingSource] = [:]
    /// The configuration file the settings were read from, for messages; `nil` when built in code.
    package var configurationFile: String?

    package init(trustDomain: TrustDomain) {
        self.trustDomain = trustDomain
    }

    /// The X509-SVID lifetime of agents.
    package var effectiveAgentTTL: Duration { agentTTL ?? defaultX509SVIDTTL }
    /// The JWT key type.
    package var effectiveJWTKeyType: CAKeyType { jwtKeyType ?? caKeyType }
    /// The SQLite file: `connection_string`, else `<data_dir>/datastore.sqlite3`.
    package var sqlitePath: String {
        if case .sqlite(let path?) = dataStore { return path }
        return dataDirectory + "/datastore.sqlite3"
    }

    package static let defaultSocketPath = "/tmp/spire-server/private/api.sock"
    package static let defaultCASubject: DistinguishedName = try! DistinguishedName {
        CountryName("US")
        OrganizationName("SPIFFE")
    }
}

extension ServerConfiguration: Hashable {}

/// How logs are written.
package enum LogFormat: String, Sendable, Hashable {
    case text
    case json
}

/// The datastore: embedded SQLite (one server), or PostgreSQL (one or several servers of a trust domain).
package enum DataStoreConfiguration: Sendable, Hashable {
    /// `database_type = "sqlite3"`; `nil` path means `<data_dir>/datastore.sqlite3`.
    case sqlite(path: String?)
    /// `database_type = "postgres"`.
    case postgres(PostgresDataStoreConfiguration)

    /// Whether other servers may share the datastore (each then keeps a CA of its own; see docs/high-availability.md).
    package var isShared: Bool {
        if case .postgres = self { return true }
        return false
    }
}

/// SPIRE's `DataStore "sql"` keys for PostgreSQL.
package struct PostgresDataStoreConfiguration: Sendable, Hashable {
    /// `connection_string`: libpq keyword/value or a `postgresql://` URL.
    package var connectionString: String
    /// `ro_connection_string`: a read replica for the admin API's listings and counts.
    package var readOnlyConnectionString: String?
    /// `max_open_conns`: the most connections each pool opens; `nil` for no limit of ours (SPIRE's zero or less), when
    /// PostgreSQL's `max_connections` is the bound.
    package var maxOpenConnections: Int?

    /// SPIRE's default `max_open_conns` (since 1.8.6).
    package static let defaultMaxOpenConnections = 100

    package init(connectionString: String, readOnlyConnectionString: String? = nil, maxOpenConnections: Int? = defaultMaxOpenConnections) {
        self.connectionString = connectionString
        self.readOnlyConnectionString = readOnlyConnectionString
        self.maxOpenConnections = maxOpenConnections
    }
}

/// Where CA keys live.
package enum KeyManagerConfiguration: Sendable, Hashable {
    /// Keys in one file, 0600; `nil` means `<data_dir>/keys.json`.
    case disk(keysPath: String?)
    /// Keys in memory: a new CA on every start.
    case memory
}

/// `UpstreamAuthority`: where the server's X.509 CA comes from when it is not self-signed.
package enum UpstreamAuthorityConfiguration: Sendable, Hashable {
    /// `"disk"`: the operator's CA certificate and key, and the roots above it.
    case disk(certFilePath: String, keyFilePath: String, bundleFilePath: String?)
    /// `"spire"`: an upstream server of the same trust domain (nested servers), reached at `serverAddress:serverPort`
    /// with the X509-SVID the local agent serves on `workloadAPISocket`.
    case spire(serverAddress: String, serverPort: Int, workloadAPISocket: String)
    /// `"vault"`: Vault's PKI secrets engine signs the CA.
    case vault(VaultUpstreamConfiguration)
}

/// `UpstreamAuthority "vault"` as the file gives it; SPIRE's environment variables (`VAULT_ADDR`, `VAULT_CACERT`,
/// `VAULT_NAMESPACE`, `VAULT_TOKEN`, `VAULT_APPROLE_ID`, `VAULT_APPROLE_SECRET_ID`) take precedence at start, as in
/// SPIRE (``resolved(environment:)``).
package struct VaultUpstreamConfiguration: Sendable, Hashable {
    package enum Authentication: Sendable, Hashable {
        /// `token_auth { token }`.
        case token(String)
        /// `approle_auth { approle_auth_mount_point (default "approle"), approle_id, approle_secret_id }`.
        case appRole(mountPoint: String, roleID: String, secretID: String)
    }

    package var vaultAddress: String
    package var pkiMountPoint: String = "pki"
    package var caCertPath: String?
    package var insecureSkipVerify = false
    package var namespace: String?
    package var authentication: Authentication

    package init(vaultAddress: String, authentication: Authentication) {
        self.vaultAddress = vaultAddress
        self.authentication = authentication
    }

    /// The settings with SPIRE's environment variables applied; refuses what is still missing.
    package func resolved(environment: [String: String]) throws(ServerConfigurationError) -> VaultUpstreamConfiguration {
        func value(_ name: String, _ fallback: String?) -> String? {
            if let set = environment[name], !set.isEmpty { return set }
            return fallback.flatMap { $0.isEmpty ? nil : $0 }
        }
        var resolved = self
        guard let address = value("VAULT_ADDR", vaultAddress) else {
            throw ServerConfigurationError(.missingKey, "UpstreamAuthority \"vault\": vault_addr is required (or VAULT_ADDR in the environment)")
        }
        resolved.vaultAddress = address
        resolved.caCertPath = value("VAULT_CACERT", caCertPath)
        resolved.namespace = value("VAULT_NAMESPACE", namespace)
        switch authentication {
        case .token(let token):
            guard let token = value("VAULT_TOKEN", token) else {
                throw ServerConfigurationError(.missingKey, "UpstreamAuthority \"vault\": token_auth needs token (or VAULT_TOKEN in the environment)")
            }
            resolved.authentication = .token(token)
        case .appRole(let mountPoint, let roleID, let secretID):
            guard let roleID = value("VAULT_APPROLE_ID", roleID), let secretID = value("VAULT_APPROLE_SECRET_ID", secretID) else {
                throw ServerConfigurationError(
                    .missingKey, "UpstreamAuthority \"vault\": approle_auth needs approle_id and approle_secret_id (or VAULT_APPROLE_ID and VAULT_APPROLE_SECRET_ID)")
            }
            resolved.authentication = .appRole(mountPoint: mountPoint, roleID: roleID, secretID: secretID)
        }
        return resolved
    }
}

/// Which node attestors are enabled.
package struct NodeAttestorConfiguration: Sendable, Hashable {
    /// `NodeAttestor "join_token"` was configured. Join tokens are accepted either way, as SPIRE's server accepts
    /// them without the block; this only records that the file named it.
    package var joinToken = false
    /// `NodeAttestor "x509pop"`.
    package var x509pop: X509PoPConfiguration?
    /// `NodeAttestor "k8s_psat" { plugin_data { clusters = { "<name>" = { … } } } }`, by cluster name.
    package var k8sPSAT: [String: K8sPSATClusterConfiguration]?
    /// `NodeAttestor "gcp_iit"`, `"aws_iid"` and `"azure_msi"`.
    package var gcpIIT: GCPIITConfiguration?
    package var awsIID: AWSIIDConfiguration?
    package var azureMSI: AzureMSIConfiguration?

    package init(joinToken: Bool = false, x509pop: X509PoPConfiguration? = nil, k8sPSAT: [String: K8sPSATClusterConfiguration]? = nil) {
        self.joinToken = joinToken
        self.x509pop = x509pop
        self.k8sPSAT = k8sPSAT
    }
}

/// `Notifier "k8sbundle"`: the ConfigMap that receives the bundle, SPIRE's keys and defaults.
package struct K8sBundleNotifierConfiguration: Sendable, Hashable {
    package var namespace = "spire"
    package var configMap = "spire-bundle"
    package var configMapKey = "bundle.crt"
    /// `kube_config_file_path`; nil means the in-cluster service account.
    package var kubeConfigFilePath: String?

    package init() {}
}

/// One cluster of `NodeAttestor "k8s_psat"`, SPIRE's keys and defaults.
package struct K8sPSATClusterConfiguration: Sendable, Hashable {
    /// `service_account_allow_list`: `namespace:name` of the service accounts agents may run as; at least one.
    package var serviceAccountAllowList: Set<String>
    /// `audience`: the token must be for one of these (SPIRE's default `["spire-server"]`).
    package var audience: [String] = ["spire-server"]
    /// `kube_config_file`: the API server to ask; empty means the in-cluster service account.
    package var kubeConfigFile: String?
    /// `allowed_node_label_keys` and `allowed_pod_label_keys`: labels that become `agent_node_label` and
    /// `agent_pod_label` selectors.
    package var allowedNodeLabelKeys: Set<String> = []
    package var allowedPodLabelKeys: Set<String> = []
    /// `use_pod_uid_for_agent_id`: `…/pod/<pod UID>` instead of the node UID.
    package var usePodUIDForAgentID = false

    package init(serviceAccountAllowList: Set<String>) {
        self.serviceAccountAllowList = serviceAccountAllowList
    }
}

/// `NodeAttestor "x509pop"` settings, as SPIRE's.
package struct X509PoPConfiguration: Sendable, Hashable {
    /// `ca_bundle_path` / `ca_bundle_paths`: the CAs agent certificates must chain to.
    package var caBundlePaths: [String]
    /// `agent_path_template`; SPIRE's default is `/x509pop/{{ .Fingerprint }}`.
    package var agentPathTemplate: String = "/x509pop/{{ .Fingerprint }}"
    /// `max_intermediates`: how many intermediate certificates an agent may send (SPIRE's default 4).
    package var maxIntermediates = 4
    /// `max_rsa_key_size`: the largest RSA key, in bits, of the leaf and the intermediates (SPIRE's default 8192).
    package var maxRSAKeySize = 8192

    package init(caBundlePaths: [String], agentPathTemplate: String = "/x509pop/{{ .Fingerprint }}") {
        self.caBundlePaths = caBundlePaths
        self.agentPathTemplate = agentPathTemplate
    }
}
