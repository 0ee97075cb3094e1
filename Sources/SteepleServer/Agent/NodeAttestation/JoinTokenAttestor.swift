import GRPCCore
import SPIFFE
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "join_token"`: the token is consumed (deleted) before anything else, so it works once; an
/// expired token is refused. Agent ID `spiffe://<td>/spire/agent/join_token/<token>`; no re-attestation (SPIRE).
struct JoinTokenAttestor: NodeAttestor {
    let trustDomain: TrustDomain
    let store: any JoinTokenStore
    let now: @Sendable () -> Date

    var name: String { "join_token" }

    func attest(payload: [UInt8], challenge _: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        let token = String(decoding: payload, as: UTF8.self)
        guard !token.isEmpty else { throw APIRefusal(.invalidRequest, "join token is empty") }
        let consumed: JoinToken
        do {
            consumed = try await store.consumeJoinToken(token).value
        } catch {
            // The do-body throws DatastoreError only. (A `catch let error as DatastoreError where …` clause here
            // sends Swift 6.3's SIL pipeline into a loop: keep this form.)
            guard error.code == .notFound else { throw error }
            throw APIRefusal(.attestationFailed, "join token does not exist or has already been used")
        }
        guard consumed.expiresAt > now() else {
            throw APIRefusal(.attestationFailed, "join token expired at \(consumed.expiresAt)")
        }
        let agentID: SPIFFEID
        do {
            agentID = try SPIFFEID(trustDomain: trustDomain, segments: ["spire", "agent", "join_token", token])
        } catch {
            throw APIRefusal(.invalidRequest, "join token cannot form an agent ID: \(error.message)")
        }
        return NodeAttestationResult(agentID: agentID, selectors: [], canReattest: false)
    }
}
