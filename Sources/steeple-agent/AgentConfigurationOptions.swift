import ArgumentParser
import SteepleCLI
import Foundation
import SteepleAgent

/// The flags `run` and `validate` share: SPIRE's spelling (`-joinToken`) and the double-dash form; they take
/// precedence over the file.
struct AgentConfigurationOptions: ParsableArguments {
    @Option(name: .spire("config"), help: "Path to the agent configuration file (HCL or JSON).")
    var config: String = "conf/agent/agent.conf"
    @Option(name: .spire("joinToken"), help: "A join token from `steeple-server token generate`.")
    var joinToken: String?
    @Option(name: .spire("serverAddress"), help: "Address of the server's agent API.")
    var serverAddress: String?
    @Option(name: .spire("serverPort"), help: "Port of the server's agent API.")
    var serverPort: Int?
    @Option(name: .spire("socketPath"), help: "Path of the Workload API socket.")
    var socketPath: String?
    @Option(name: .spire("dataDir"), help: "Directory for the agent's SVID, key and bundle.")
    var dataDir: String?
    @Option(name: .spire("trustBundle"), help: "PEM bundle to trust the server with at first contact.")
    var trustBundle: String?
    @Option(name: .spire("trustBundleFormat"), help: "pem or spiffe: how the -trustBundle file is written (agent.trust_bundle_format).")
    var trustBundleFormat: String?
    @Option(name: .spire("trustBundleUrl"), help: "https:// URL to download the server's bundle from at first start (agent.trust_bundle_url).")
    var trustBundleUrl: String?
    @Flag(name: .spire("disableWorkloadAPI"), help: "Serve only Envoy SDS on the socket (agent.disable_workload_api).")
    var disableWorkloadAPI = false
    @Flag(name: .spire("disableSDSAPI"), help: "Serve only the Workload API on the socket, not Envoy SDS (agent.disable_sds_api).")
    var disableSDSAPI = false
    @Flag(name: .spire("allowUnauthenticatedVerifiers"), help: "Release this trust domain's bundles to callers that match no entry (agent.allow_unauthenticated_verifiers).")
    var allowUnauthenticatedVerifiers = false
    @Flag(name: .spire("insecureBootstrap"), help: "Do not authenticate the server at first contact.")
    var insecureBootstrap = false
    @Option(name: .spire("logLevel"), help: "TRACE, DEBUG, INFO, WARN, ERROR, FATAL or PANIC.")
    var logLevel: String?
    @Option(name: .spire("logFormat"), help: "text or json (agent.log_format).")
    var logFormat: String?

    @Option(name: .spire("logFile"), help: "File to write logs to instead of standard error (agent.log_file).")
    var logFile: String?
    @Flag(name: .spire("logSourceLocation"), help: "Include the source file, line number and function in log lines (agent.log_source_location).")
    var logSourceLocation = false
    @Option(name: .spire("joinTokenFile"), help: "A file holding the join token (agent.join_token_file).")
    var joinTokenFile: String?
    @Option(name: .spire("trustDomain"), help: "The trust domain (agent.trust_domain).")
    var trustDomain: String?
    @Flag(name: .spire("expandEnv"), help: "Expand $VAR and ${VAR} in the configuration file from the environment.")
    var expandEnv = false

    /// The file at `-config` with the flags applied over it, validated.
    func makeConfiguration() throws -> AgentConfiguration {
        var overrides = AgentConfigurationOverrides()
        overrides.joinToken = joinToken
        overrides.joinTokenFile = joinTokenFile
        overrides.trustDomain = trustDomain
        overrides.serverAddress = serverAddress
        overrides.serverPort = serverPort
        overrides.socketPath = socketPath
        overrides.dataDirectory = dataDir
        overrides.trustBundlePath = trustBundle
        overrides.trustBundleFormat = trustBundleFormat
        overrides.trustBundleURL = trustBundleUrl
        overrides.disableWorkloadAPI = disableWorkloadAPI ? true : nil
        overrides.disableSDSAPI = disableSDSAPI ? true : nil
        overrides.allowUnauthenticatedVerifiers = allowUnauthenticatedVerifiers ? true : nil
        overrides.insecureBootstrap = insecureBootstrap ? true : nil
        overrides.logLevel = logLevel
        overrides.logFormat = logFormat
        overrides.logFile = logFile
        overrides.logSourceLocation = logSourceLocation
        return try AgentConfiguration.load(path: config, overrides: overrides, environment: expandEnv ? ProcessInfo.processInfo.environment : nil)
    }
}
