import SPIREAPIProto

/// What `agent list` and `agent count` ask SPIRE's Agent API for, plus the filters it cannot express as given.
struct AgentQuery {
    /// The filters the server applies, without paging.
    var filter: Spire_Api_Server_Agent_V1_ListAgentsRequest.Filter
    /// `-spiffeID`: one agent (the API filters by everything but the ID).
    var spiffeID: String?
    /// `-expiresBefore`, as seconds since the epoch (the API takes Go's time layout; the flag takes a date).
    var expiresBefore: Int64?

    /// Whether agents must be filtered here, after listing, so counting needs a listing too.
    var filtersLocally: Bool {
        spiffeID != nil || expiresBefore != nil
    }

    /// The count request for the same filters (meaningful only when nothing is filtered here).
    var countRequest: Spire_Api_Server_Agent_V1_CountAgentsRequest {
        var request = Spire_Api_Server_Agent_V1_CountAgentsRequest()
        var count = Spire_Api_Server_Agent_V1_CountAgentsRequest.Filter()
        count.byAttestationType = filter.byAttestationType
        if filter.hasBySelectorMatch { count.bySelectorMatch = filter.bySelectorMatch }
        if filter.hasByBanned { count.byBanned = filter.byBanned }
        if filter.hasByCanReattest { count.byCanReattest = filter.byCanReattest }
        request.filter = count
        return request
    }

    /// Whether `agent` passes the filters applied here.
    func keeps(_ agent: Spire_Api_Types_Agent) -> Bool {
        if let spiffeID, agent.id.uri != spiffeID {
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
    func fetchAll(_ client: SPIREAgentClient) async throws -> [Spire_Api_Types_Agent] {
        let agents = try await Paging.collect { token in
            var page = Spire_Api_Server_Agent_V1_ListAgentsRequest()
            page.filter = filter
            page.pageToken = token
            page.pageSize = Self.pageSize
            let response = try await client.listAgents(page)
            return Paging.Page(items: response.agents, nextPageToken: response.nextPageToken)
        }
        return agents.filter(keeps)
    }
}
