import GRPCCore
import SteepleServerAPIProto

/// Test double for the admin API: pages of entries for `ListEntries`, a fixed count, and an RPC error for
/// `EvictAgent`; every other call is unimplemented. It stands in for the server only to exercise the CLI's client
/// over a real Unix socket.
struct StubAdminService: Steeple_Server_V1_AdminAPI.SimpleServiceProtocol {
    /// Entries by page token; each page's next token is the following key in `order`.
    var pages: [String: [Steeple_Server_V1_Entry]] = [:]
    var order: [String] = []

    func listEntries(
        request: Steeple_Server_V1_ListEntriesRequest,
        context: ServerContext
    ) async throws -> Steeple_Server_V1_ListEntriesResponse {
        var response = Steeple_Server_V1_ListEntriesResponse()
        response.entries = (pages[request.pageToken] ?? []).filter { request.byHint.isEmpty || $0.hint == request.byHint }
        if let index = order.firstIndex(of: request.pageToken), index + 1 < order.count {
            response.nextPageToken = order[index + 1]
        }
        return response
    }

    func countEntries(
        request: Steeple_Server_V1_ListEntriesRequest,
        context: ServerContext
    ) async throws -> Steeple_Server_V1_CountResponse {
        var response = Steeple_Server_V1_CountResponse()
        response.count = Int64(pages.values.map(\.count).reduce(0, +))
        return response
    }

    func evictAgent(
        request: Steeple_Server_V1_AgentRequest,
        context: ServerContext
    ) async throws -> Steeple_Server_V1_AgentResponse {
        throw RPCError(code: .notFound, message: "agent \(request.spiffeID) not found")
    }

    func createEntries(request: Steeple_Server_V1_CreateEntriesRequest, context: ServerContext) async throws -> Steeple_Server_V1_CreateEntriesResponse { throw Self.unimplemented }
    func updateEntries(request: Steeple_Server_V1_UpdateEntriesRequest, context: ServerContext) async throws -> Steeple_Server_V1_UpdateEntriesResponse { throw Self.unimplemented }
    func deleteEntries(request: Steeple_Server_V1_DeleteEntriesRequest, context: ServerContext) async throws -> Steeple_Server_V1_DeleteEntriesResponse { throw Self.unimplemented }
    func listAgents(request: Steeple_Server_V1_ListAgentsRequest, context: ServerContext) async throws -> Steeple_Server_V1_ListAgentsResponse { throw Self.unimplemented }
    func countAgents(request: Steeple_Server_V1_ListAgentsRequest, context: ServerContext) async throws -> Steeple_Server_V1_CountResponse { throw Self.unimplemented }
    func banAgent(request: Steeple_Server_V1_AgentRequest, context: ServerContext) async throws -> Steeple_Server_V1_AgentResponse { throw Self.unimplemented }
    func createJoinToken(request: Steeple_Server_V1_CreateJoinTokenRequest, context: ServerContext) async throws -> Steeple_Server_V1_CreateJoinTokenResponse { throw Self.unimplemented }
    func fetchBundle(request: Steeple_Server_V1_FetchBundleRequest, context: ServerContext) async throws -> Steeple_Server_V1_Bundle { throw Self.unimplemented }
    func listFederatedBundles(request: Steeple_Server_V1_ListFederatedBundlesRequest, context: ServerContext) async throws -> Steeple_Server_V1_ListFederatedBundlesResponse { throw Self.unimplemented }
    func setFederatedBundle(request: Steeple_Server_V1_Bundle, context: ServerContext) async throws -> Steeple_Server_V1_Bundle { throw Self.unimplemented }
    func deleteFederatedBundle(request: Steeple_Server_V1_DeleteFederatedBundleRequest, context: ServerContext) async throws -> Steeple_Server_V1_DeleteFederatedBundleResponse { throw Self.unimplemented }
    func mintX509SVID(request: Steeple_Server_V1_MintX509SVIDRequest, context: ServerContext) async throws -> Steeple_Server_V1_MintX509SVIDResponse { throw Self.unimplemented }
    func mintJWTSVID(request: Steeple_Server_V1_MintJWTSVIDRequest, context: ServerContext) async throws -> Steeple_Server_V1_MintJWTSVIDResponse { throw Self.unimplemented }
    func health(request: Steeple_Server_V1_HealthRequest, context: ServerContext) async throws -> Steeple_Server_V1_HealthResponse { throw Self.unimplemented }

    static let unimplemented = RPCError(code: .unimplemented, message: "not implemented by the stub")
}
