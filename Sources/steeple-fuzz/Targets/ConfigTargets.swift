import SteepleAgent
import SteepleConfig
import SteepleServer

/// `server.conf` and `agent.conf`, in HCL and in HCL's JSON mapping: the generic parser, then both readers.
enum ConfigTargets {
    static let hcl = FuzzTarget(
        name: "hcl-config",
        summary: "ConfigBody(parsing:format: .hcl), its canonical form, ServerConfiguration and AgentConfiguration readers"
    ) { bytes in
        run(bytes, format: .hcl, serverPath: "server.conf", agentPath: "agent.conf")
    }

    static let json = FuzzTarget(
        name: "json-config",
        summary: "ConfigBody(parsing:format: .json), its canonical form, ServerConfiguration and AgentConfiguration readers"
    ) { bytes in
        run(bytes, format: .json, serverPath: "server.json", agentPath: "agent.json")
    }

    private static func run(_ bytes: [UInt8], format: ConfigFormat, serverPath: String, agentPath: String) {
        if let body = try? ConfigBody(parsing: bytes, format: format) {
            // The canonical text is HCL; it must parse again. Except with `${` in a string: HCL v1 keeps `${…}` as
            // written (braces nest, no escapes, newlines allowed) and has no escape for a literal `${`, so such a
            // string cannot always be quoted back (the text still serves its purpose, comparing plugin data).
            let canonical = body.canonicalized().canonicalText
            if !canonical.contains("${") {
                do {
                    _ = try ConfigBody(parsing: canonical, format: .hcl)
                } catch {
                    preconditionFailure("canonical text does not parse (\(error)):\n\(canonical)")
                }
            }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let configuration = try? ServerConfiguration(parsing: text, path: serverPath) {
            _ = try? configuration.validate()
        }
        _ = ServerConfiguration.expandingEnvironment(in: text, environment: ["HOME": "/root", "TD": "example.org"])
        _ = try? AgentConfiguration.parse(bytes, path: agentPath, overrides: AgentConfigurationOverrides())
    }
}
