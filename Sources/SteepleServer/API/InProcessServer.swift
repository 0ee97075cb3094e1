package import GRPCCore
package import Logging
package import SPIFFE
import SPIFFECA
package import SPIREAPIProto
package import SteepleDatastore
package import SteepleServerAPIProto

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A server core with no sockets, no TLS and no disk (in-memory keys, the given store) whose API handlers are called
/// directly with decoded requests. It exists for `steeple-fuzz` (docs/fuzzing.md), which feeds the handlers mutated
/// requests; `steeple-server run` never builds one.
///
/// The handlers are those the server serves, without the authorization interceptors in front of them (what the admin
/// socket's local callers may call). The agent API handlers that authenticate the caller by its TLS certificate refuse
/// every call here (there is no certificate); `AttestAgent` with the `join_token` attestor, which needs none, works.
package struct InProcessServer: Sendable {
    private let core: ServerCore

    /// SPIRE's server API, the admin API of the socket.
    package let entries: any Spire_Api_Server_Entry_V1_Entry.SimpleServiceProtocol
    package let agents: any Spire_Api_Server_Agent_V1_Agent.SimpleServiceProtocol
    package let bundles: any Spire_Api_Server_Bundle_V1_Bundle.SimpleServiceProtocol
    package let svids: any Spire_Api_Server_Svid_V1_SVID.SimpleServiceProtocol
    /// Federation relationships; `RefreshBundle` answers that no endpoint can be reached (nothing is fetched).
    package let trustDomains: any Spire_Api_Server_Trustdomain_V1_TrustDomain.SimpleServiceProtocol
    /// Steeple's health check (`steeple-server healthcheck`).
    package let health: any Steeple_Server_V1_AdminAPI.SimpleServiceProtocol
    /// The agent API handlers (what the agent TCP port serves to Steeple's agents), with the `join_token` node
    /// attestor enabled.
    package let agent: any Steeple_Server_V1_AgentAPI.SimpleServiceProtocol

    /// Creates a CA (P-256, in-memory keys, 24 h) over `store` and loads the entry index from it.
    package static func start(
        trustDomain: TrustDomain,
        store: any Datastore & ChangeLogStore & CAJournalStore,
        logger: Logger,
        now: @escaping @Sendable () -> Date
    ) async throws -> InProcessServer {
        var configuration = ServerConfiguration(trustDomain: trustDomain)
        configuration.keyManager = .memory
        let core = try await ServerCore.make(configuration: configuration, store: store, keyManager: InMemoryKeyManager(), logger: logger, now: now)
        return InProcessServer(core: core)
    }

    private init(core: ServerCore) {
        self.core = core
        let admin = core.adminAPIService()
        let agent = core.agentAPIService(
            attestors: ["join_token": JoinTokenAttestor(trustDomain: core.trustDomain, store: core.store, now: core.now)]
        )
        self.agent = agent
        self.health = admin
        let api = core.spireAPI(admin: admin, agents: agent, refresher: UnreachableRefresher())
        self.entries = api.entries
        self.agents = api.agents
        self.bundles = api.bundles
        self.svids = api.svids
        self.trustDomains = api.trustDomains
    }
}

/// A bundle refresher with no network: every refresh fails as an unreachable endpoint would.
private struct UnreachableRefresher: FederatedBundleRefreshing {
    func refreshBundle(of trustDomain: TrustDomain) async throws(FederationError) -> Bool {
        throw FederationError("failed to fetch bundle of \(trustDomain): the in-process server has no network")
    }

    func relationshipsChanged() {}
}
