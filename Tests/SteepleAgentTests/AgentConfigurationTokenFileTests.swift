import Foundation
import SPIFFE
import SteepleAgent
import Testing

/// `join_token_file` / `-joinTokenFile`, `-trustDomain` and `-expandEnv`, read from real files as `run` and `validate` do.
@Suite("agent.conf: join_token_file, -trustDomain, -expandEnv")
struct AgentConfigurationTokenFileTests {
    static func file(_ contents: String) throws -> String {
        let path = NSTemporaryDirectory() + "steeple-agent-conf-\(UUID().uuidString.prefix(8))"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let base = """
        agent {
            trust_domain = "example.org"
            server_address = "127.0.0.1"
            insecure_bootstrap = true
        """

    @Test("the token is read from join_token_file without surrounding whitespace; -joinTokenFile overrides the key")
    func tokenFile() throws {
        let token = try Self.file("  abc-123\n")
        let other = try Self.file("from-flag\n")
        let conf = try Self.file(Self.base + "\n    join_token_file = \"\(token)\"\n}\n")
        defer { for path in [token, other, conf] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(try AgentConfiguration.load(path: conf, overrides: AgentConfigurationOverrides()).joinToken == "abc-123")
        var overrides = AgentConfigurationOverrides()
        overrides.joinTokenFile = other
        #expect(try AgentConfiguration.load(path: conf, overrides: overrides).joinToken == "from-flag")
    }

    @Test("join_token with join_token_file, a missing file and an empty one are refused, naming the key and the file")
    func tokenFileErrors() throws {
        let empty = try Self.file("\n")
        let both = try Self.file(Self.base + "\n    join_token = \"t\"\n    join_token_file = \"\(empty)\"\n}\n")
        let missing = try Self.file(Self.base + "\n    join_token_file = \"/nonexistent/token\"\n}\n")
        let blank = try Self.file(Self.base + "\n    join_token_file = \"\(empty)\"\n}\n")
        defer { for path in [empty, both, missing, blank] { try? FileManager.default.removeItem(atPath: path) } }
        for (path, words) in [(both, "join_token and join_token_file are both set"), (missing, "join_token_file /nonexistent/token cannot be read"), (blank, "is empty")] {
            do {
                _ = try AgentConfiguration.load(path: path, overrides: AgentConfigurationOverrides())
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.description.contains(words), "\(error)")
            }
        }
    }

    @Test("-trustDomain overrides the file; -expandEnv expands $VAR and ${VAR}, and only when asked")
    func trustDomainAndExpansion() throws {
        let conf = try Self.file("""
            agent {
                trust_domain = "${TD}"
                server_address = "$ADDR"
                insecure_bootstrap = true
            }
            """)
        defer { try? FileManager.default.removeItem(atPath: conf) }
        let expanded = try AgentConfiguration.load(path: conf, overrides: AgentConfigurationOverrides(), environment: ["TD": "example.org", "ADDR": "10.0.0.1"])
        #expect(expanded.trustDomain.name == "example.org")
        #expect(expanded.serverAddress == "10.0.0.1")
        var overrides = AgentConfigurationOverrides()
        overrides.trustDomain = "other.org"
        #expect(try AgentConfiguration.load(path: conf, overrides: overrides).trustDomain.name == "other.org")
        // Without -expandEnv, "${TD}" is not a trust domain name.
        #expect(throws: AgentConfigurationError.self) { try AgentConfiguration.load(path: conf, overrides: AgentConfigurationOverrides()) }
    }
}
