import SteepleConfig

extension ServerConfiguration {
    /// ``EnvironmentExpansion/expand(_:environment:)``, the expansion `-expandEnv` applies (shared with the agent).
    package static func expandingEnvironment(in text: String, environment: [String: String]) -> String {
        EnvironmentExpansion.expand(text, environment: environment)
    }
}
