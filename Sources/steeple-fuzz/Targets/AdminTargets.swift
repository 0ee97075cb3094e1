import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore
import SteepleServer
import SteepleServerAPIProto
import SwiftProtobuf
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The admin API: its messages, and its handlers over an in-process server core (in-memory store and keys).
enum AdminTargets {
    static let messages = FuzzTarget(
        name: "admin-messages",
        summary: "decode and round trip of every admin API request and response message (first byte picks it)"
    ) { bytes in
        var input = FuzzInput(bytes)
        let selector = input.byte() % 16
        let body = input.rest()
        switch selector {
        case 0: _ = WorkloadAPITargets.decode(Steeple_Server_V1_CreateEntriesRequest.self, body)
        case 1: _ = WorkloadAPITargets.decode(Steeple_Server_V1_UpdateEntriesRequest.self, body)
        case 2: _ = WorkloadAPITargets.decode(Steeple_Server_V1_DeleteEntriesRequest.self, body)
        case 3: _ = WorkloadAPITargets.decode(Steeple_Server_V1_ListEntriesRequest.self, body)
        case 4: _ = WorkloadAPITargets.decode(Steeple_Server_V1_ListAgentsRequest.self, body)
        case 5: _ = WorkloadAPITargets.decode(Steeple_Server_V1_AgentRequest.self, body)
        case 6: _ = WorkloadAPITargets.decode(Steeple_Server_V1_CreateJoinTokenRequest.self, body)
        case 7: _ = WorkloadAPITargets.decode(Steeple_Server_V1_Bundle.self, body)
        case 8: _ = WorkloadAPITargets.decode(Steeple_Server_V1_MintX509SVIDRequest.self, body)
        case 9: _ = WorkloadAPITargets.decode(Steeple_Server_V1_MintJWTSVIDRequest.self, body)
        case 10: _ = WorkloadAPITargets.decode(Steeple_Server_V1_ListEntriesResponse.self, body)
        case 11: _ = WorkloadAPITargets.decode(Steeple_Server_V1_ListAgentsResponse.self, body)
        case 12: _ = WorkloadAPITargets.decode(Steeple_Server_V1_CreateEntriesResponse.self, body)
        case 13: _ = WorkloadAPITargets.decode(Steeple_Server_V1_MintX509SVIDResponse.self, body)
        case 14: _ = WorkloadAPITargets.decode(Steeple_Server_V1_HealthResponse.self, body)
        default: _ = WorkloadAPITargets.decode(Steeple_Server_V1_ListFederatedBundlesResponse.self, body)
        }
    }

    /// Input: one byte picking the method (AdminMethod), then the protobuf encoding of its request.
    static let handlers = FuzzTarget(
        name: "admin-handlers",
        summary: "every admin API handler (first byte picks it) on a decoded request, against an in-process server core with an in-memory store"
    ) { bytes in
        var input = FuzzInput(bytes)
        let method = AdminMethod(rawValue: input.byte() % UInt8(AdminMethod.allCases.count))!
        let body = input.rest()
        let server = FuzzServer.shared()
        FuzzLog.outcome("admin-handlers \(method)") { try runBlocking { try await method.call(server.server.admin, body).count } }
    }
}

/// The admin API's methods, in the order of admin.proto.
enum AdminMethod: UInt8, CaseIterable {
    case createEntries, updateEntries, deleteEntries, listEntries, countEntries, listAgents, countAgents, evictAgent,
        banAgent, createJoinToken, fetchBundle, listFederatedBundles, setFederatedBundle, deleteFederatedBundle,
        mintX509SVID, mintJWTSVID, health

    /// Decodes `body` as the method's request, calls the handler and encodes its response.
    func call(_ admin: any Steeple_Server_V1_AdminAPI.SimpleServiceProtocol, _ body: [UInt8]) async throws -> [UInt8] {
        let context = FuzzServer.context(method: "\(self)")
        switch self {
        case .createEntries: return try await admin.createEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .updateEntries: return try await admin.updateEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .deleteEntries: return try await admin.deleteEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listEntries: return try await admin.listEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .countEntries: return try await admin.countEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listAgents: return try await admin.listAgents(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .countAgents: return try await admin.countAgents(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .evictAgent: return try await admin.evictAgent(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .banAgent: return try await admin.banAgent(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .createJoinToken: return try await admin.createJoinToken(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .fetchBundle: return try await admin.fetchBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listFederatedBundles:
            return try await admin.listFederatedBundles(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .setFederatedBundle:
            return try await admin.setFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .deleteFederatedBundle:
            return try await admin.deleteFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .mintX509SVID: return try await admin.mintX509SVID(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .mintJWTSVID: return try await admin.mintJWTSVID(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .health: return try await admin.health(request: .init(serializedBytes: body), context: context).serializedBytes()
        }
    }
}

/// The in-process server the handler targets share. It is rebuilt (new store, new CA) every `lifetime` inputs so
/// that what the inputs store does not grow without bound over a long run.
final class FuzzServer: Sendable {
    static let trustDomain = FuzzKeys.trustDomain
    /// A join token that exists at the start of every input of the attestation target.
    static let joinToken = "fuzz-join-token"
    private static let lifetime = 1_000
    private static let current = Mutex<(server: FuzzServer, uses: Int)?>(nil)

    let server: InProcessServer
    let store: InMemoryDatastore

    private init(server: InProcessServer, store: InMemoryDatastore) {
        self.server = server
        self.store = store
    }

    static func shared() -> FuzzServer {
        if let server = current.withLock({ state -> FuzzServer? in
            guard let (server, uses) = state, uses < lifetime else { return nil }
            state = (server, uses + 1)
            return server
        }) {
            return server
        }
        let fresh = try! runBlocking { try await make() }
        current.withLock { $0 = (fresh, 1) }
        return fresh
    }

    /// A store holding one entry and one attested agent, so that list, update, delete, evict and ban find
    /// something; and a CA.
    private static func make() async throws -> FuzzServer {
        let store = InMemoryDatastore()
        let agentID = try SPIFFEID("spiffe://example.org/spire/agent/join_token/seed")
        _ = try await store.createNode(
            AttestedNode(spiffeID: agentID, attestationType: "join_token", certSerialNumber: "01", certNotAfter: Date(timeIntervalSinceNow: 3600))
        )
        _ = try await store.createEntry(
            RegistrationEntry(
                id: "seed-entry",
                spiffeID: try SPIFFEID("spiffe://example.org/workload"),
                parentID: agentID,
                selectors: [try Selector(type: "unix", value: "uid:1000")],
                createdAt: Date()
            )
        )
        var logger = Logger(label: "steeple-fuzz")
        logger.logLevel = .critical
        let server = try await InProcessServer.start(trustDomain: trustDomain, store: store, logger: logger, now: { Date() })
        return FuzzServer(server: server, store: store)
    }

    static func context(method: String) -> ServerContext {
        ServerContext(
            descriptor: MethodDescriptor(fullyQualifiedService: "steeple.server.v1.Fuzz", method: method),
            remotePeer: "in-process",
            localPeer: "in-process",
            cancellation: ServerContext.RPCCancellationHandle()
        )
    }
}
