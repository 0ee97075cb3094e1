package import GRPCCore
package import Logging
package import SPIFFE
import SPIFFECA
package import SteepleDatastore
package import SteepleServerAPIProto

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A server core with no sockets, no TLS and no disk (in-memory keys, the given store) whose admin and agent API
/// handlers are called directly with decoded requests. It exists for `steeple-fuzz` (docs/fuzzing.md), which feeds
/// the handlers mutated requests; `steeple-server run` never builds one.
///
/// The agent API handlers that authenticate the caller by its TLS certificate refuse every call here (there is no
/// certificate); `AttestAgent` with the `join_token` attestor, which needs none, works.
package struct InProcessServer: Sendable {
    private let core: ServerCore

    /// The admin API handlers (what the admin socket serves).
    package let admin: any Steeple_Server_V1_AdminAPI.SimpleServiceProtocol
    /// The agent API handlers (what the agent TCP port serves), with the `join_token` node attestor enabled.
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
        self.admin = core.adminAPIService()
        self.agent = core.agentAPIService(
            attestors: ["join_token": JoinTokenAttestor(trustDomain: core.trustDomain, store: core.store, now: core.now)]
        )
    }
}
