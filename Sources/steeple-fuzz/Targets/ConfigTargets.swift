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
            // The canonical text is HCL; it must parse again.
            let canonical = body.canonicalized().canonicalText
            precondition((try? ConfigBody(parsing: canonical, format: .hcl)) != nil, "canonical text does not parse:\n\(canonical)")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let configuration = try? ServerConfiguration(parsing: text, path: serverPath) {
            _ = try? configuration.validate()
        }
        _ = ServerConfiguration.expandingEnvironment(in: text, environment: ["HOME": "/root", "TD": "example.org"])
        _ = try? AgentConfiguration.parse(bytes, path: agentPath, overrides: AgentConfigurationOverrides())
    }
}
