import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

/// The entries `steeple-server debug explain` sets against a selector set: one agent's authorized entries, or the
/// server's entries that share at least one selector with the workload (the near misses and the matches).
protocol EntryExplanationSource: Sendable {
    func authorizedEntries(for agentID: SPIFFEID) -> [String: RegistrationEntry]
    func entries(sharingAnyOf selectors: Set<String>) -> [RegistrationEntry]
}

extension EntryIndex: EntryExplanationSource {}

extension AdminAPIService {
    /// `steeple-server debug explain -selector … [-agentID …]`: why a workload with these selectors would get each
    /// identity or not. With an agent, its authorized entries (and whether the agent is known, and its node
    /// selectors, which alias entries match on); without, every entry sharing a selector with the workload.
    func explain(request: Steeple_Server_V1_ExplainRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_ExplainResponse {
        guard !request.selectors.isEmpty else {
            throw APIRefusal(.invalidRequest, "give the workload's selectors: -selector type:value (such as -selector unix:uid:1000), as many as it has")
        }
        for selector in request.selectors {
            guard let colon = selector.firstIndex(of: ":"), colon != selector.startIndex, selector.index(after: colon) != selector.endIndex else {
                throw APIRefusal(.invalidRequest, "selector \(EntryValidator.quoted(selector)) is not type:value, such as unix:uid:1000")
            }
        }
        let workload = Set(request.selectors)
        var response = Steeple_Server_V1_ExplainResponse()
        response.selectors = workload.sorted()
        response.agentID = request.agentID
        let candidates: [RegistrationEntry]
        if request.agentID.isEmpty {
            candidates = explanations.entries(sharingAnyOf: workload)
        } else {
            let agentID: SPIFFEID
            do {
                agentID = try SPIFFEID(request.agentID)
            } catch {
                throw APIRefusal(.invalidRequest, "agent ID \(EntryValidator.quoted(request.agentID)) is not a SPIFFE ID: \(error.message)")
            }
            if let node = try await nodes.fetchNode(spiffeID: agentID) {
                response.agentKnown = true
                response.agentSelectors = node.selectors.map { "\($0.type):\($0.value)" }.sorted()
            }
            candidates = Array(explanations.authorizedEntries(for: agentID).values)
        }
        response.entries = candidates.map { entry in
            var explained = Steeple_Server_V1_ExplainedEntry(
                entryID: entry.id, spiffeID: entry.spiffeID.string, parentID: entry.parentID.string,
                selectors: Set(entry.selectors.map { "\($0.type):\($0.value)" }), workload: workload, hint: entry.hint)
            explained.authorized = !request.agentID.isEmpty
            return explained
        }.sorted(by: Steeple_Server_V1_ExplainedEntry.explanationOrder)
        return response
    }
}
