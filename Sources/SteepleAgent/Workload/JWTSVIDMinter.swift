import GRPCCore
import SPIFFE
import SPIREAPIProto
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A JWT-SVID for an entry and audience: from the cache while it is fresh, else signed by the server; always signed
/// by the server for an entry with `jwt_svid_include_jti` (as SPIRE's agent bypasses its cache), and not cached.
/// Shared by the Workload API and the Delegated Identity API.
struct JWTSVIDMinter: Sendable {
    let cache: JWTSVIDCache
    let session: ServerSession
    let health: AgentHealth

    /// - Throws: `Unavailable` "could not fetch JWT-SVID: …", as SPIRE's agent, when the agent cannot get one.
    func token(for entry: AgentEntry, audience: [String]) async throws -> JWTSVIDCache.Token {
        let key = JWTSVIDCache.key(for: entry, audience: audience)
        if !entry.jwtSVIDIncludeJTI, let token = cache.cached(for: key, now: Date()) { return token }
        if let reason = health.cannotIssueReason(now: Date()) {
            throw WorkloadAPIService.unavailable("could not fetch JWT-SVID", reason)
        }
        do {
            let client = try await session.waitForClient(timeout: .seconds(5))
            var request = Steeple_Server_V1_SignJWTSVIDRequest()
            request.entryID = entry.id
            request.audience = audience
            let issuedAt = Date()
            var options = CallOptions.defaults
            options.timeout = .seconds(10)
            let response = try await client.signJWTSVID(request: ClientRequest(message: request), options: options)
            // The token's own iat, not this agent's clock: the Delegated Identity API reports issued_at, and a
            // client compares it with the claim (it was off by one when the call straddled a second).
            let parsed = try? JWTSVID.parseInsecure(token: response.token, audience: audience)
            let claimed = parsed?.issuedAt
            let expiresAt = Date(timeIntervalSince1970: TimeInterval(response.expiresAt))
            if entry.jwtSVIDIncludeJTI {
                return JWTSVIDCache.Token(token: response.token, issuedAt: claimed ?? issuedAt, expiresAt: expiresAt, refreshAt: expiresAt, keyID: parsed?.keyID ?? "")
            }
            // A token whose key the agent cannot name could not be dropped when that key is tainted: not cached.
            guard let keyID = parsed?.keyID else {
                return JWTSVIDCache.Token(token: response.token, issuedAt: claimed ?? issuedAt, expiresAt: expiresAt, refreshAt: expiresAt)
            }
            return cache.store(response.token, issuedAt: claimed ?? issuedAt, expiresAt: expiresAt, keyID: keyID, for: key)
        } catch let error as RPCError {
            // As SPIRE's agent: the server's refusal, spelled as Go prints it, inside Unavailable.
            throw RPCError(code: .unavailable, message: "could not fetch JWT-SVID: \(error.goDescription)")
        } catch {
            throw RPCError(code: .unavailable, message: "could not fetch JWT-SVID: \(error)")
        }
    }
}
