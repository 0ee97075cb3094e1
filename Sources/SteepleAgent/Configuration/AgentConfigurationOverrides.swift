/// Command-line flags of `steeple-agent run`, which take precedence over the file (SPIRE's spelling in comments).
public struct AgentConfigurationOverrides: Sendable {
    public var trustDomain: String?      // -trustDomain
    public var joinToken: String?        // -joinToken
    public var joinTokenFile: String?    // -joinTokenFile
    public var serverAddress: String?    // -serverAddress
    public var serverPort: Int?          // -serverPort
    public var socketPath: String?       // -socketPath
    public var dataDirectory: String?    // -dataDir
    public var trustBundlePath: String?  // -trustBundle
    public var trustBundleFormat: String? // -trustBundleFormat
    public var trustBundleURL: String?   // -trustBundleUrl
    public var disableWorkloadAPI: Bool? // -disableWorkloadAPI
    public var disableSDSAPI: Bool?      // -disableSDSAPI
    public var allowUnauthenticatedVerifiers: Bool? // -allowUnauthenticatedVerifiers
    public var insecureBootstrap: Bool?  // -insecureBootstrap
    public var logLevel: String?         // -logLevel
    public var logFormat: String?        // -logFormat
    public var logFile: String?          // -logFile
    public var logSourceLocation = false // -logSourceLocation

    public init() {}
}
