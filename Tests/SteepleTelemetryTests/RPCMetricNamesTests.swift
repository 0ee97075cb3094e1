import Testing
@testable import SteepleTelemetry

@Suite("SPIRE's RPC metric names")
struct RPCMetricNamesTests {
    @Test("metricKey converts as SPIRE's does (its own test vectors)", arguments: [
        ("One", "one"), ("one,two,three,Four", "one_two_three_four"), ("ABCDef", "abc_def"), ("v1", "v1"),
        ("AbcDEF", "abc_def"), ("OneTWOThree", "one_two_three"), ("ONETwoTHREE", "one_two_three"),
        ("FetchX509SVID", "fetch_x509svid"), ("BatchNewX509SVID", "batch_new_x509svid"), ("FetchJWTBundles", "fetch_jwt_bundles"),
    ])
    func metricKey(input: String, expected: String) {
        #expect(RPCMetricNames.metricKey(input) == expected)
    }

    @Test("full methods map to SPIRE's keys, Steeple's agent API to the SPIRE RPC each method stands for", arguments: [
        ("/spire.api.server.agent.v1.Agent/AttestAgent", "rpc.agent.v1.agent.attest_agent"),
        ("/spire.api.server.entry.v1.Entry/BatchCreateEntry", "rpc.entry.v1.entry.batch_create_entry"),
        ("/spire.api.server.logger.v1.Logger/SetLogLevel", "rpc.logger.set_log_level"),
        ("/spire.api.agent.logger.v1.Logger/GetLogger", "rpc.logger.get_logger"),
        ("/spire.api.server.debug.v1.Debug/GetInfo", "rpc.debug.v1.debug.get_info"),
        ("/spire.agent.debug.v1.Debug/GetInfo", "rpc.debug.get_info"),
        ("/spire.api.agent.delegatedidentity.v1.DelegatedIdentity/SubscribeToX509SVIDs", "rpc.delegated_identity.subscribe_to_x509_svids"),
        ("/SpiffeWorkloadAPI/FetchX509SVID", "rpc.workload_api.fetch_x509svid"),
        ("/SpiffeWorkloadAPI/FetchJWTBundles", "rpc.workload_api.fetch_jwt_bundles"),
        ("/envoy.service.secret.v3.SecretDiscoveryService/StreamSecrets", "rpc.sds.v3.stream_secrets"),
        ("/grpc.health.v1.Health/Check", "rpc.health.check"),
        ("steeple.server.v1.AgentAPI/AttestAgent", "rpc.agent.v1.agent.attest_agent"),
        ("steeple.server.v1.AgentAPI/BatchSignX509SVID", "rpc.svid.v1.svid.batch_new_x509svid"),
        ("steeple.server.v1.AgentAPI/SignJWTSVID", "rpc.svid.v1.svid.new_jwtsvid"),
        ("steeple.server.v1.AgentAPI/SyncEntries", "rpc.agent_api.sync_entries"),
    ])
    func fullMethod(method: String, expected: String) {
        #expect(RPCMetricNames.key(fullMethod: method).joined(separator: ".") == expected)
    }

    @Test("Prometheus names: the prefix, then every character Prometheus does not allow as _")
    func prometheusNames() {
        #expect(GuardedPrometheusFactory.prometheusName(prefix: "spire_server", key: "rpc.agent.v1.agent.attest_agent") == "spire_server_rpc_agent_v1_agent_attest_agent")
        #expect(GuardedPrometheusFactory.prometheusName(prefix: nil, key: "9lives-and.more") == "_lives_and_more")
    }
}
