import SteepleServerAPIProto

/// What `agent list` and `agent count` ask the server for, plus the filters the admin API cannot express.
struct AgentQuery {
    /// The filters the server applies, without paging.
    var request: Steeple_Server_V1_ListAgentsRequest
    /// `-selector`: node selectors to match.
    var selectors: [Steeple_Server_V1_Selector]
    /// `-matchSelectorsOn`.
    var selectorMatch: MatchBehavior
    /// `-canReattest true|false`.
    var canReattest: Bool?
    /// `-expiresBefore`, as seconds since the epoch.
    var expiresBefore: Int64?

    /// Whether agents must be filtered here, after listing, so counting needs a listing too.
    var filtersLocally: Bool {
        !selectors.isEmpty || canReattest != nil || expiresBefore != nil
    }

    /// Whether `agent` passes the filters applied here.
    func keeps(_ agent: Steeple_Server_V1_Agent) -> Bool {
        if !selectors.isEmpty {
            let have = agent.selectors.map { "\($0.type):\($0.value)" }
            let want = selectors.map { "\($0.type):\($0.value)" }
            guard selectorMatch.matches(have, filter: want) else { return false }
        }
        if let canReattest, agent.canReattest != canReattest {
            return false
        }
        if let expiresBefore, agent.x509SvidExpiresAt >= expiresBefore {
            return false
        }
        return true
    }

    /// SPIRE's page size for `agent list`.
    static let pageSize: Int32 = 1000

    /// Every agent that passes the query, following pages until the server has no more.
    func fetchAll(
        _ listAgents: (Steeple_Server_V1_ListAgentsRequest) async throws -> Steeple_Server_V1_ListAgentsResponse
    ) async throws -> [Steeple_Server_V1_Agent] {
        let agents = try await Paging.collect { token in
            var page = request
            page.pageToken = token
            page.pageSize = Self.pageSize
            let response = try await listAgents(page)
            return Paging.Page(items: response.agents, nextPageToken: response.nextPageToken)
        }
        return agents.filter(keeps)
    }
}
