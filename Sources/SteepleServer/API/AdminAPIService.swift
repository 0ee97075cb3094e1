import GRPCCore
import SPIFFE
import SPIFFECA
import SteepleDatastore
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The operator's API on the admin socket. Thin: decode, validate, call the store or the CA, encode; every
/// committed change pokes the entry index so that agents hear of it at once.
struct AdminAPIService: Steeple_Server_V1_AdminAPI.SimpleServiceProtocol {
    let core: ServerCore

    func health(request: Steeple_Server_V1_HealthRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_HealthResponse {
        await Health.check(core)
    }

    func createJoinToken(
        request: Steeple_Server_V1_CreateJoinTokenRequest,
        context _: GRPCCore.ServerContext
    ) async throws -> Steeple_Server_V1_CreateJoinTokenResponse {
        guard request.ttl >= 0 else { throw RPCError(code: .invalidArgument, message: "ttl must be positive seconds, got \(request.ttl)") }
        let ttl = request.ttl == 0 ? 600 : Int(request.ttl)
        let value = UUID().uuidString.lowercased()
        let agentID = try SPIFFEID(trustDomain: core.trustDomain, segments: ["spire", "agent", "join_token", value])
        var alias: RegistrationEntry?
        if !request.agentAliasID.isEmpty {
            let aliasID = try RegistrationEntry.parseID(request.agentAliasID, field: "spiffeID")
            // As SPIRE: an entry parented to the token's agent ID makes aliasID an alias of that agent.
            let entry = RegistrationEntry(
                spiffeID: aliasID,
                parentID: agentID,
                selectors: [try Selector(type: "spiffe_id", value: agentID.string)],
                createdAt: core.now()
            )
            do {
                try core.validator.validate(entry)
            } catch {
                throw RPCError(code: .invalidArgument, message: error.message)
            }
            alias = entry
        }
        let expiresAt = core.now().addingTimeInterval(Double(ttl))
        do {
            _ = try await core.store.createJoinToken(JoinToken(token: value, expiresAt: expiresAt))
            if let alias { _ = try await core.store.createEntry(alias) }
        } catch {
            throw error.rpcError
        }
        core.index.poke()
        var response = Steeple_Server_V1_CreateJoinTokenResponse()
        response.token = value
        response.expiresAt = Int64(expiresAt.timeIntervalSince1970)
        return response
    }
}
