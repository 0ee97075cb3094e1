import CoreMetrics
import Prometheus
import Testing
@testable import SteepleTelemetry

@Suite("metric sinks")
struct SinkTests {
    @Test("StatsD folds label values into the name; DogStatsD sends them as tags (SPIRE's documented line)")
    func statsdLines() {
        let labels = [("status", "OK"), ("host", "node:1")]
        let statsd = StatsdMetricsFactory.lineParts(prefix: "spire_server", key: "rpc.agent.v1.agent.attest_agent", dimensions: labels, dialect: .statsd)
        #expect(statsd.name == "spire_server.rpc.agent.v1.agent.attest_agent.OK.node_1")
        #expect(statsd.tags == "")
        let dog = StatsdMetricsFactory.lineParts(prefix: "spire_server", key: "rpc.agent.v1.agent.attest_agent", dimensions: labels, dialect: .dogStatsd)
        #expect(dog.name + ":1|c" + dog.tags == "spire_server.rpc.agent.v1.agent.attest_agent:1|c|#status:OK,host:node_1")
    }

    @Test("a StatsD address is host:port; anything else is refused")
    func addresses() {
        #expect(StatsdAddress("localhost:8125") == StatsdAddress("localhost:8125"))
        #expect(StatsdAddress("[::1]:8125")?.host == "::1")
        #expect(StatsdAddress("localhost") == nil)
        #expect(StatsdAddress("localhost:0") == nil)
        #expect(StatsdAddress(":8125") == nil)
        #expect(StatsdAddress("[::1]8125") == nil)
    }

    @Test("common labels are added after the call's, blocked labels and prefixes are dropped, an allow list keeps only what it names")
    func filtering() {
        var configuration = TelemetryConfiguration()
        configuration.blockedPrefixes = ["rpc.health"]
        configuration.blockedLabels = ["host"]
        let filter = FilteringMetricsFactory(sink: NOOPMetricsHandler.instance, commonLabels: [("host", "a"), ("trust_domain_id", "example.org")], configuration: configuration)
        #expect(!filter.keeps("rpc.health.check"))
        #expect(filter.keeps("rpc.workload_api.fetch_x509svid"))
        #expect(filter.labels([("status", "OK"), ("status", "dup")]).map(\.0) == ["status", "trust_domain_id"])
        configuration.allowedPrefixes = ["server_ca"]
        configuration.allowedLabels = ["status"]
        let allow = FilteringMetricsFactory(sink: NOOPMetricsHandler.instance, commonLabels: [("host", "a")], configuration: configuration)
        #expect(allow.keeps("server_ca.sign.x509_svid"))
        #expect(!allow.keeps("rpc.workload_api.fetch_x509svid"))
        #expect(allow.labels([("status", "OK"), ("method", "x")]).map(\.0) == ["status"])
    }

    @Test("a registration that conflicts with an earlier one (type, label names, a repeated label) gets a no-op, not a crash")
    func prometheusConflicts() {
        let factory = GuardedPrometheusFactory(prefix: "spire_agent")
        factory.makeCounter(label: "workload_api.connection", dimensions: [("status", "OK")]).increment(by: 2)
        factory.makeCounter(label: "workload_api.connection", dimensions: [("status", "Unavailable")]).increment(by: 1)
        _ = factory.makeRecorder(label: "workload_api.connection", dimensions: [("status", "OK")], aggregate: false)
        _ = factory.makeCounter(label: "workload_api.connection", dimensions: [])
        _ = factory.makeCounter(label: "other", dimensions: [("a", "1"), ("a", "2")])
        factory.makeRecorder(label: "rpc.x.elapsed_time", dimensions: [], aggregate: true).record(3.0)
        #expect(factory.conflicts == 3)
        let text = String(decoding: factory.registry.emitToBuffer(), as: UTF8.self)
        #expect(text.contains(#"spire_agent_workload_api_connection{status="OK"} 2"#), "\(text)")
        #expect(text.contains(#"spire_agent_workload_api_connection{status="Unavailable"} 1"#), "\(text)")
        #expect(text.contains(#"spire_agent_rpc_x_elapsed_time_bucket{le="5.0"} 1"#), "\(text)")
    }
}
