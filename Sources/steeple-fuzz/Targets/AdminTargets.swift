import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore
import SteepleServer
import SPIREAPIProto
import SteepleServerAPIProto
import SwiftProtobuf
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The admin API of the socket, which is SPIRE's server API (and Steeple's health check): its request messages, and
/// its handlers over an in-process server core (in-memory store and keys).
enum AdminTargets {
    /// Input: one byte picking the method (AdminMethod, the byte over two) and the direction (its lowest bit: the
    /// request the server decodes, or the response the CLI decodes), then bytes decoded as that message and
    /// round-tripped.
    static let messages = FuzzTarget(
        name: "admin-messages",
        summary: "decode and round trip of every admin API request and response message, SPIRE's server API (first byte picks it)"
    ) { bytes in
        var input = FuzzInput(bytes)
        let choice = input.byte()
        let method = AdminMethod(rawValue: (choice >> 1) % UInt8(AdminMethod.allCases.count))!
        let type = choice & 1 == 0 ? method.requestType : method.responseType
        roundTrip(type, input.rest())
    }

    private static func roundTrip<M: SwiftProtobuf.Message>(_: M.Type, _ body: [UInt8]) {
        _ = WorkloadAPITargets.decode(M.self, body)
    }

    /// Input: one byte picking the method (AdminMethod), then the protobuf encoding of its request.
    static let handlers = FuzzTarget(
        name: "admin-handlers",
        summary: "every admin API handler, SPIRE's server API (first byte picks it), on a decoded request against an in-process server core with an in-memory store"
    ) { bytes in
        var input = FuzzInput(bytes)
        let method = AdminMethod(rawValue: input.byte() % UInt8(AdminMethod.allCases.count))!
        let body = input.rest()
        let server = FuzzServer.shared()
        FuzzLog.outcome("admin-handlers \(method)") { try runBlocking { try await method.call(server.server, body).count } }
    }
}

/// The admin socket's unary methods: SPIRE's Entry, Agent, Bundle, SVID and TrustDomain admin methods, Steeple's
/// health check, then AppendBundle. (`RefreshBundle` is left out: it would reach for the network.)
enum AdminMethod: UInt8, CaseIterable {
    case countEntries, listEntries, getEntry, batchCreateEntry, batchUpdateEntry,
        batchDeleteEntry, countAgents, listAgents, getAgent, deleteAgent,
        banAgent, createJoinToken, countBundles, getBundle, listFederatedBundles,
        getFederatedBundle, batchCreateFederatedBundle, batchUpdateFederatedBundle, batchSetFederatedBundle, batchDeleteFederatedBundle,
        mintX509SVID, mintJWTSVID, listFederationRelationships, getFederationRelationship, batchCreateFederationRelationship,
        batchUpdateFederationRelationship, batchDeleteFederationRelationship, health,
        // Appended: a method's byte is its raw value, which the committed seeds hold.
        appendBundle

    /// The method's request message.
    var requestType: any SwiftProtobuf.Message.Type {
        switch self {
        case .countEntries: Spire_Api_Server_Entry_V1_CountEntriesRequest.self
        case .listEntries: Spire_Api_Server_Entry_V1_ListEntriesRequest.self
        case .getEntry: Spire_Api_Server_Entry_V1_GetEntryRequest.self
        case .batchCreateEntry: Spire_Api_Server_Entry_V1_BatchCreateEntryRequest.self
        case .batchUpdateEntry: Spire_Api_Server_Entry_V1_BatchUpdateEntryRequest.self
        case .batchDeleteEntry: Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest.self
        case .countAgents: Spire_Api_Server_Agent_V1_CountAgentsRequest.self
        case .listAgents: Spire_Api_Server_Agent_V1_ListAgentsRequest.self
        case .getAgent: Spire_Api_Server_Agent_V1_GetAgentRequest.self
        case .deleteAgent: Spire_Api_Server_Agent_V1_DeleteAgentRequest.self
        case .banAgent: Spire_Api_Server_Agent_V1_BanAgentRequest.self
        case .createJoinToken: Spire_Api_Server_Agent_V1_CreateJoinTokenRequest.self
        case .countBundles: Spire_Api_Server_Bundle_V1_CountBundlesRequest.self
        case .getBundle: Spire_Api_Server_Bundle_V1_GetBundleRequest.self
        case .listFederatedBundles: Spire_Api_Server_Bundle_V1_ListFederatedBundlesRequest.self
        case .getFederatedBundle: Spire_Api_Server_Bundle_V1_GetFederatedBundleRequest.self
        case .batchCreateFederatedBundle: Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleRequest.self
        case .batchUpdateFederatedBundle: Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleRequest.self
        case .batchSetFederatedBundle: Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleRequest.self
        case .batchDeleteFederatedBundle: Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleRequest.self
        case .mintX509SVID: Spire_Api_Server_Svid_V1_MintX509SVIDRequest.self
        case .mintJWTSVID: Spire_Api_Server_Svid_V1_MintJWTSVIDRequest.self
        case .listFederationRelationships: Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsRequest.self
        case .getFederationRelationship: Spire_Api_Server_Trustdomain_V1_GetFederationRelationshipRequest.self
        case .batchCreateFederationRelationship: Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest.self
        case .batchUpdateFederationRelationship: Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipRequest.self
        case .batchDeleteFederationRelationship: Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest.self
        case .health: Steeple_Server_V1_HealthRequest.self
        case .appendBundle: Spire_Api_Server_Bundle_V1_AppendBundleRequest.self
        }
    }

    /// The method's response message (what the CLI decodes).
    var responseType: any SwiftProtobuf.Message.Type {
        switch self {
        case .countEntries: Spire_Api_Server_Entry_V1_CountEntriesResponse.self
        case .listEntries: Spire_Api_Server_Entry_V1_ListEntriesResponse.self
        case .getEntry: Spire_Api_Types_Entry.self
        case .batchCreateEntry: Spire_Api_Server_Entry_V1_BatchCreateEntryResponse.self
        case .batchUpdateEntry: Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse.self
        case .batchDeleteEntry: Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse.self
        case .countAgents: Spire_Api_Server_Agent_V1_CountAgentsResponse.self
        case .listAgents: Spire_Api_Server_Agent_V1_ListAgentsResponse.self
        case .getAgent: Spire_Api_Types_Agent.self
        case .deleteAgent: SwiftProtobuf.Google_Protobuf_Empty.self
        case .banAgent: SwiftProtobuf.Google_Protobuf_Empty.self
        case .createJoinToken: Spire_Api_Types_JoinToken.self
        case .countBundles: Spire_Api_Server_Bundle_V1_CountBundlesResponse.self
        case .getBundle: Spire_Api_Types_Bundle.self
        case .listFederatedBundles: Spire_Api_Server_Bundle_V1_ListFederatedBundlesResponse.self
        case .getFederatedBundle: Spire_Api_Types_Bundle.self
        case .batchCreateFederatedBundle: Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleResponse.self
        case .batchUpdateFederatedBundle: Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleResponse.self
        case .batchSetFederatedBundle: Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleResponse.self
        case .batchDeleteFederatedBundle: Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse.self
        case .mintX509SVID: Spire_Api_Server_Svid_V1_MintX509SVIDResponse.self
        case .mintJWTSVID: Spire_Api_Server_Svid_V1_MintJWTSVIDResponse.self
        case .listFederationRelationships: Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsResponse.self
        case .getFederationRelationship: Spire_Api_Types_FederationRelationship.self
        case .batchCreateFederationRelationship: Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipResponse.self
        case .batchUpdateFederationRelationship: Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipResponse.self
        case .batchDeleteFederationRelationship: Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipResponse.self
        case .health: Steeple_Server_V1_HealthResponse.self
        case .appendBundle: Spire_Api_Types_Bundle.self
        }
    }

    /// Decodes `body` as the method's request, calls the handler and encodes its response.
    func call(_ server: InProcessServer, _ body: [UInt8]) async throws -> [UInt8] {
        let context = FuzzServer.context(method: "\(self)")
        switch self {
        case .countEntries: return try await server.entries.countEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listEntries: return try await server.entries.listEntries(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .getEntry: return try await server.entries.getEntry(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchCreateEntry: return try await server.entries.batchCreateEntry(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchUpdateEntry: return try await server.entries.batchUpdateEntry(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchDeleteEntry: return try await server.entries.batchDeleteEntry(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .countAgents: return try await server.agents.countAgents(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listAgents: return try await server.agents.listAgents(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .getAgent: return try await server.agents.getAgent(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .deleteAgent: return try await server.agents.deleteAgent(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .banAgent: return try await server.agents.banAgent(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .createJoinToken: return try await server.agents.createJoinToken(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .countBundles: return try await server.bundles.countBundles(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .getBundle: return try await server.bundles.getBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listFederatedBundles: return try await server.bundles.listFederatedBundles(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .getFederatedBundle: return try await server.bundles.getFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchCreateFederatedBundle: return try await server.bundles.batchCreateFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchUpdateFederatedBundle: return try await server.bundles.batchUpdateFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchSetFederatedBundle: return try await server.bundles.batchSetFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchDeleteFederatedBundle: return try await server.bundles.batchDeleteFederatedBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .mintX509SVID: return try await server.svids.mintX509SVID(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .mintJWTSVID: return try await server.svids.mintJWTSVID(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .listFederationRelationships: return try await server.trustDomains.listFederationRelationships(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .getFederationRelationship: return try await server.trustDomains.getFederationRelationship(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchCreateFederationRelationship: return try await server.trustDomains.batchCreateFederationRelationship(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchUpdateFederationRelationship: return try await server.trustDomains.batchUpdateFederationRelationship(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .batchDeleteFederationRelationship: return try await server.trustDomains.batchDeleteFederationRelationship(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .health: return try await server.health.health(request: .init(serializedBytes: body), context: context).serializedBytes()
        case .appendBundle: return try await server.bundles.appendBundle(request: .init(serializedBytes: body), context: context).serializedBytes()
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
