/// SPIRE's metric key for an RPC: `rpc.<service parts>.<method>`, each part snake_case, so that
/// `/spire.api.server.agent.v1.Agent/AttestAgent` counts as `spire_server_rpc_agent_v1_agent_attest_agent` and
/// `/SpiffeWorkloadAPI/FetchX509SVID` as `spire_agent_rpc_workload_api_fetch_x509svid`, as SPIRE's dashboards expect.
///
/// Steeple's own agent API (`steeple.server.v1.AgentAPI`) counts under the SPIRE RPC each method stands for
/// (`AttestAgent`, `RenewAgent`, `BatchNewX509SVID`, `NewJWTSVID`), so an agent fleet shows up where SPIRE's does;
/// the sync stream, which SPIRE has no RPC for, counts as `rpc.agent_api.sync_entries`.
package enum RPCMetricNames {
    /// The key parts for a full method (`/package.Service/Method` or `package.Service/Method`).
    package static func key(fullMethod: String) -> [String] {
        var text = Substring(fullMethod)
        if text.first == "/" { text = text.dropFirst() }
        guard let slash = text.firstIndex(of: "/") else { return ["rpc", metricKey(String(text))] }
        let service = String(text[..<slash])
        let method = String(text[text.index(after: slash)...])
        if let mapped = steepleAgentAPI[method], service == "steeple.server.v1.AgentAPI" {
            return ["rpc"] + mapped
        }
        var short = service
        for (long, replacement) in serviceReplacements where short.contains(long) {
            short = short.replacing(long, with: replacement)
        }
        let methodKey = method == "SubscribeToX509SVIDs" ? "subscribe_to_x509_svids" : method
        return ["rpc"] + short.split(separator: ".", omittingEmptySubsequences: false).map { metricKey(String($0)) } + [metricKey(methodKey)]
    }

    /// SPIRE's replacements (`pkg/common/api/middleware/names.go`), applied in this order.
    private static let serviceReplacements: [(String, String)] = [
        ("spire.api.server.", ""),
        ("spire.api.agent.logger.v1.Logger", "Logger"),
        ("spire.agent.debug.v1.Debug", "Debug"),
        ("spire.api.agent.delegatedidentity.v1.DelegatedIdentity", "DelegatedIdentity"),
        ("logger.v1.Logger", "Logger"),
        ("SpiffeWorkloadAPI", "WorkloadAPI"),
        ("envoy.service.secret.v3.SecretDiscoveryService", "SDS.v3"),
        ("grpc.health.v1.Health", "Health"),
        ("steeple.server.v1.", ""),
    ]

    /// Steeple's agent API methods and the SPIRE RPC each stands for.
    private static let steepleAgentAPI: [String: [String]] = [
        "AttestAgent": ["agent", "v1", "agent", "attest_agent"],
        "RenewAgent": ["agent", "v1", "agent", "renew_agent"],
        "BatchSignX509SVID": ["svid", "v1", "svid", "batch_new_x509svid"],
        "SignJWTSVID": ["svid", "v1", "svid", "new_jwtsvid"],
    ]

    /// PascalCase to snake_case, any other non-alphanumeric character to `_`: SPIRE's `metricKey`, so `ABCDef` is
    /// `abc_def`, `OneTWOThree` is `one_two_three` and `FetchX509SVID` is `fetch_x509svid`.
    package static func metricKey(_ text: String) -> String {
        let input = Array(text)
        var output: [Character] = []
        output.reserveCapacity(input.count + 4)
        for (index, character) in input.enumerated() {
            guard character.isLetter || character.isNumber else {
                output.append("_")
                continue
            }
            let lower = Character(character.lowercased())
            if character != lower, index > 0, index + 1 < input.count,
                input[index + 1].isLowercase || input[index - 1].isLowercase,
                output.last != "_"
            {
                output.append("_")
            }
            output.append(lower)
        }
        return String(output)
    }
}
