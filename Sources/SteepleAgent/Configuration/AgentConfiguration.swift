public import SteepleTelemetry
public import Logging
public import SPIFFE

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What `steeple-agent run` needs, read from SPIRE's `agent.conf` (HCL or JSON) with the command-line flags over it.
/// Defaults are SPIRE's, except that paths say `steeple-agent` where SPIRE's say `spire-agent`.
public struct AgentConfiguration: Sendable {
    /// The default configuration file, as SPIRE's `conf/agent/agent.conf`.
    public static let defaultConfigurationFile = "conf/agent/agent.conf"
    /// SPIRE's default.
    public static let defaultSocketPath = "/tmp/spire-agent/public/api.sock"
    /// SPIRE's default for `-socketPath` of the admin commands (`debug getinfo`, `logger …`).
    public static let defaultAdminSocketPath = "/tmp/spire-agent/private/admin.sock"

    public var trustDomain: TrustDomain
    public var serverAddress: String = "127.0.0.1"
    public var serverPort: Int = 8081
    /// The Workload API socket (0777, so that every local user can reach it).
    public var socketPath: String = defaultSocketPath
    /// Where the agent keeps its SVID, key and bundle.
    public var dataDirectory: String = "."
    /// How the agent trusts the server the first time: a bundle file, a URL, another Workload API, or no check at all.
    public var bootstrap: Bootstrap = .insecure
    public var joinToken: String?
    public var nodeAttestor: NodeAttestorSettings = .joinToken
    public var keyManager: KeyManagerKind = .disk
    /// `WorkloadAttestor "unix" { discover_workload_path = true }`: adds `unix:path:` and `unix:sha256:`.
    public var discoverWorkloadPath = false
    /// The largest binary hashed for `unix:sha256:` (SPIRE's `workload_size_limit`); 0 means no limit.
    public var workloadSizeLimit: Int = 0
    /// `x509_svid_cache_max_size`: at most this many workload X509-SVIDs are kept (a soft limit, as SPIRE's: SVIDs
    /// that open streams hold are never evicted); the others are issued when a workload asks.
    public var x509SVIDCacheMaxSize: Int = defaultX509SVIDCacheMaxSize
    /// `jwt_svid_cache_max_size`: at most this many JWT-SVIDs are kept; past it the least recently used goes.
    public var jwtSVIDCacheMaxSize: Int = defaultJWTSVIDCacheMaxSize
    /// SPIRE's defaults.
    public static let defaultX509SVIDCacheMaxSize = 1000
    public static let defaultJWTSVIDCacheMaxSize = 1000
    /// Whether `WorkloadAttestor "unix"` runs: when no workload attestor is configured, or when it is one of them.
    public var unixWorkloadAttestor = true
    /// `WorkloadAttestor "k8s"`, when configured.
    public var k8sWorkloadAttestor: K8sWorkloadAttestorSettings?
    /// `WorkloadAttestor "docker"`: the Docker Engine API's Unix socket (`docker_socket_path`, without `unix://`)
    /// and `docker_version`, when configured.
    public var dockerWorkloadAttestor: (socketPath: String, apiVersion: String)?
    public var logLevel: Logger.Level = .info
    /// `text` (`TextLogHandler`) or `json` (`JSONLogHandler`: logrus's JSON lines, as SPIRE's `log_format = "json"`).
    public var logFormat: String = "text"
    /// `log_file`: append log lines to this file instead of standard error.
    public var logFile: String?
    /// `log_source_location`: each log line names the file, line and function that logged it.
    public var logSourceLocation = false
    /// `allow_unauthenticated_verifiers`: release this trust domain's bundles to callers that match no entry.
    public var allowUnauthenticatedVerifiers = false
    /// `disable_workload_api`: the socket serves Envoy SDS only.
    public var disableWorkloadAPI = false
    /// `disable_sds_api`: the socket serves the Workload API only.
    public var disableSDSAPI = false
    /// `admin_socket_path`: the admin socket (mode 0770) serving the Delegated Identity, Debug and Logger APIs; nil =
    /// no admin socket (SPIRE's default). It may not be in the Workload API socket's directory, which is world-reachable.
    public var adminSocketPath: String?
    /// `authorized_delegates`: the SPIFFE IDs whose holders may use the Delegated Identity API.
    public var authorizedDelegates: [SPIFFEID] = []
    /// `sds { … }`: Envoy SDS resource names and validation.
    public var sds = SDSConfiguration()
    /// `telemetry { Prometheus { … } Statsd = [ … ] DogStatsd = [ … ] }`: no sink unless configured.
    public var telemetry = TelemetryConfiguration()
    /// `health_checks { listener_enabled, bind_address, bind_port, live_path, ready_path }`: the HTTP liveness and
    /// readiness listener, off unless `listener_enabled` (SPIRE's block; the server reads the same).
    public var healthChecks = HealthCheckConfiguration()
    /// Keys present in the file that have no effect, for a start-up warning.
    public var ignoredKeys: [String] = []

    public init(trustDomain: TrustDomain) {
        self.trustDomain = trustDomain
    }

    /// `trust_bundle_format`: how the `trust_bundle_path` file is written, `pem` (default) or `spiffe` (a SPIFFE bundle
    /// document, as `bundle show -format spiffe` prints it).
    public var trustBundleFormat: TrustBundleFormat = .pem

    public enum TrustBundleFormat: String, Sendable, Equatable {
        case pem
        case spiffe
    }

    /// How the agent trusts the server before it has a bundle of its own.
    public enum Bootstrap: Sendable, Equatable {
        /// `trust_bundle_path`: the server's SVID must chain to this bundle (PEM) and name `spiffe://<td>/spire/server`.
        case bundleFile(String)
        /// `trust_bundle_url`: the bundle is downloaded at first start, over `https://` checked against the system
        /// trust store, or over `http://` through the local service at `trust_bundle_unix_socket`.
        case bundleURL(URL, unixSocket: String?)
        /// `trust_bundle_spiffe_workload_api`: the bundle of this trust domain, as another agent's Workload API at
        /// this address (`unix:///path` or `tcp://ip:port`) serves it.
        case workloadAPI(String)
        /// `insecure_bootstrap = true`: the first connection does not check the server (SPIRE's development mode).
        case insecure
    }

    /// The node attestor plugin.
    public enum NodeAttestorSettings: Sendable, Equatable {
        case joinToken
        /// `x509pop`: the certificate (PEM, leaf first; intermediates may follow or come from their own file) and its key.
        case x509pop(certificatePath: String, privateKeyPath: String, intermediatesPath: String?)
        /// `k8s_psat`: the cluster's name (as the server's `clusters` names it) and the projected service account
        /// token's file, read at each attestation since the kubelet rotates it.
        case k8sPSAT(cluster: String, tokenPath: String)
        /// `gcp_iit`: the instance identity token of `serviceAccount` from the metadata server at `host`.
        case gcpIIT(host: String, serviceAccount: String)
        /// `aws_iid`: the instance identity document and signature from the instance metadata service at `endpoint`.
        case awsIID(endpoint: String)
        /// `azure_msi`: a managed identity token for `resource` from the instance metadata service at `endpoint`.
        case azureMSI(resource: String, endpoint: String)

        /// Whether the agent can attest again by itself when the server no longer knows it (SPIRE's
        /// `CanReattest`): true for attestors whose proof is still at hand, not for a single-use join token.
        public var canReattest: Bool {
            switch self {
            case .joinToken, .gcpIIT, .awsIID, .azureMSI: false
            case .x509pop, .k8sPSAT: true
            }
        }
    }

    /// Where the agent's private key lives.
    public enum KeyManagerKind: Sendable, Equatable {
        /// On disk in the data directory (0600): a restart re-uses the identity.
        case disk
        /// In memory: a restart must attest again.
        case memory
    }

}
