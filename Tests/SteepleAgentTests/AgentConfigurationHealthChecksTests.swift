import SteepleAgent
import SteepleTelemetry
import Testing

/// SPIRE's top-level `health_checks { … }` in agent.conf: read with SPIRE's defaults, every key, and bad values
/// refused with the key, where it is and what would be right.
@Suite("agent.conf health_checks")
struct AgentConfigurationHealthChecksTests {
    static let agent = #"agent { trust_domain = "example.org" insecure_bootstrap = true }"#

    func parse(_ text: String) throws(AgentConfigurationError) -> AgentConfiguration {
        try AgentConfiguration.parse(Array(text.utf8), path: "agent.conf", overrides: AgentConfigurationOverrides())
    }

    @Test("without the block, or with an empty one: SPIRE's defaults, listener off, nothing reported as ignored")
    func defaults() throws {
        for text in [Self.agent, Self.agent + "\nhealth_checks {}"] {
            let configuration = try parse(text)
            #expect(configuration.healthChecks == HealthCheckConfiguration())
            #expect(!configuration.healthChecks.listenerEnabled)
            #expect(configuration.healthChecks.bindAddress == "localhost")
            #expect(configuration.healthChecks.bindPort == 80)
            #expect(configuration.healthChecks.livePath == "/live")
            #expect(configuration.healthChecks.readyPath == "/ready")
            #expect(configuration.ignoredKeys.isEmpty, "\(configuration.ignoredKeys)")
        }
    }

    @Test("every key is read; bind_port as SPIRE writes it (a string) or as a number")
    func everyKey() throws {
        let configuration = try parse(Self.agent + """

            health_checks {
                listener_enabled = true
                bind_address = "0.0.0.0"
                bind_port = "8080"
                live_path = "/healthz"
                ready_path = "/readyz"
            }
            """)
        var expected = HealthCheckConfiguration()
        expected.listenerEnabled = true
        expected.bindAddress = "0.0.0.0"
        expected.bindPort = 8080
        expected.livePath = "/healthz"
        expected.readyPath = "/readyz"
        #expect(configuration.healthChecks == expected)
        #expect(configuration.ignoredKeys.isEmpty, "health_checks is read, not ignored: \(configuration.ignoredKeys)")
        #expect(try parse(Self.agent + "\nhealth_checks { bind_port = 9090 }").healthChecks.bindPort == 9090)
    }

    @Test("the JSON form of agent.conf reads the same")
    func json() throws {
        let configuration = try parse("""
            {"agent": {"trust_domain": "example.org", "insecure_bootstrap": true},
             "health_checks": {"listener_enabled": true, "bind_address": "127.0.0.1", "bind_port": 8080}}
            """)
        #expect(configuration.healthChecks.listenerEnabled)
        #expect(configuration.healthChecks.bindAddress == "127.0.0.1")
        #expect(configuration.healthChecks.bindPort == 8080)
    }

    @Test("bad values are refused naming the key, its line and what would be right", arguments: [
        ("bind_port = 70000", AgentConfigurationError.Code.invalidValue, "health_checks.bind_port is 70000; use a port from 1 to 65535"),
        (#"bind_port = "-1""#, .invalidValue, "health_checks.bind_port is -1; use a port from 1 to 65535"),
        (#"bind_port = "http""#, .invalidValue, "bind_port"),
        (#"bind_port = "80.5""#, .invalidValue, "bind_port"),
        (#"bind_address = """#, .invalidValue, "health_checks.bind_address is empty; use a host name or address such as localhost"),
        (#"live_path = "live""#, .invalidValue, #"health_checks.live_path is "live"; use a path starting with /, such as /live"#),
        (#"ready_path = "ready""#, .invalidValue, #"health_checks.ready_path is "ready"; use a path starting with /, such as /ready"#),
        (#"live_path = "/health" ready_path = "/health""#, .invalidValue, #"health_checks.ready_path is "/health", the same path as the other check"#),
        (#"ready_path = "/live""#, .invalidValue, "give live_path and ready_path different paths"),
        (#"listener_enabled = "yes""#, .invalidValue, "listener_enabled"),
        (#"listener_enabled = ["true"]"#, .invalidValue, "listener_enabled"),
        ("port = 8080", .unknownKey, #"unknown key "port" in health_checks"#),
    ])
    func refused(body: String, code: AgentConfigurationError.Code, mentions: String) {
        let text = Self.agent + "\nhealth_checks {\n    " + body + "\n}"
        #expect {
            _ = try parse(text)
        } throws: { error in
            guard let error = error as? AgentConfigurationError else { return false }
            return error.code == code && error.message.hasPrefix("agent.conf: line 3, column") && error.message.contains(mentions)
        }
    }

    @Test("a second health_checks block is refused")
    func duplicate() {
        #expect(throws: AgentConfigurationError.self) {
            _ = try parse(Self.agent + "\nhealth_checks { bind_port = 1 }\nhealth_checks { bind_port = 2 }")
        }
    }
}
