import SteepleConfig
import Testing
@testable import SteepleTelemetry

@Suite("telemetry { … } as SPIRE writes it")
struct TelemetryConfigurationTests {
    func read(_ text: String) throws -> TelemetryConfiguration {
        let root = try ConfigBody(parsing: text)
        return try TelemetryConfiguration(reading: try root.requiredBlock("telemetry"))
    }

    @Test("SPIRE's documented example: Prometheus, lists of Statsd and DogStatsd, labels and prefixes; M3 and InMem named as ignored")
    func spireExample() throws {
        let configuration = try read(#"""
            telemetry {
                Prometheus {
                    port = 9988
                }
                DogStatsd = [
                    { address = "localhost:8125" },
                ]
                Statsd = [
                    { address = "localhost:1337" },
                    { address = "collector.example.org:8125" },
                ]
                M3 = [
                    { address = "localhost:9000" env = "prod" },
                ]
                InMem {}
                AllowedLabels = []
                BlockedLabels = []
                AllowedPrefixes = []
                BlockedPrefixes = ["rpc.health"]
                EnableHostnameLabel = false
                MetricPrefix = "spire"
            }
            """#)
        #expect(configuration.prometheus == .init(host: "localhost", port: 9988))
        #expect(configuration.dogStatsdAddresses == ["localhost:8125"])
        #expect(configuration.statsdAddresses == ["localhost:1337", "collector.example.org:8125"])
        #expect(configuration.ignoredSinks == ["M3", "InMem"])
        #expect(configuration.blockedPrefixes == ["rpc.health"])
        #expect(!configuration.enableHostnameLabel)
        #expect(configuration.metricPrefix == "spire")
        #expect(configuration.hasSinks)
    }

    @Test("JSON's shape reads the same")
    func json() throws {
        let root = try ConfigBody(parsing: #"{"telemetry": {"Prometheus": {"host": "0.0.0.0", "port": 9988}, "Statsd": [{"address": "[::1]:8125"}]}}"#)
        let configuration = try TelemetryConfiguration(reading: try root.requiredBlock("telemetry"))
        #expect(configuration.prometheus == .init(host: "0.0.0.0", port: 9988))
        #expect(configuration.statsdAddresses == ["[::1]:8125"])
    }

    @Test("an empty block has no sink")
    func empty() throws {
        #expect(!(try read("telemetry {}")).hasSinks)
    }

    @Test("bad values are refused with the key and what would be right", arguments: [
        ("telemetry { Prometheus { host = \"localhost\" } }", "needs a port"),
        ("telemetry { Prometheus { port = 70000 } }", "between 1 and 65535"),
        ("telemetry { Prometheus { port = 9988 tls { use_spire_svid = true } } }", "\"tls\" in telemetry.Prometheus"),
        ("telemetry { Statsd = [{ address = \"localhost\" }] }", "use host:port"),
        ("telemetry { DogStatsd = [{ adress = \"localhost:8125\" }] }", "did you mean \"address\""),
        ("telemetry { Prometeus { port = 1 } }", "did you mean \"Prometheus\""),
    ])
    func refusals(text: String, expected: String) {
        do {
            _ = try read(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}
