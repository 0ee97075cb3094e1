import GRPCCore
import Logging
import SPIFFE
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent's link to the server: connect (presenting the current SVID, checking the server against the newest
/// bundle), follow the sync stream, renew the SVID when due; on any failure keep the cache, back off and reconnect.
struct ServerLink: Sendable {
    let connection: ServerConnection
    let holder: AgentIdentityHolder
    let cache: WorkloadCache
    let session: ServerSession
    let sync: EntrySync
    let renewer: AgentSVIDRenewer
    let bootstrapTrust: ServerTrust
    /// Re-attests after the server disowned the agent (evicted), when the attestor allows it.
    let reattest: (@Sendable () async throws -> AgentIdentity)?
    let logger: Logger

    func run() async {
        var backoff = Duration.milliseconds(500)
        let progressed = ProgressFlag()
        while !Task.isCancelled {
            progressed.value.store(false, ordering: .relaxed)
            let trust: ServerTrust = cache.read { $0.bundle }.map { .bundle($0) } ?? bootstrapTrust
            do {
                try await connection.withClient(identity: holder.current, trust: trust) { client in
                    session.set(client)
                    defer { session.set(nil) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await sync.run(client: client) { progressed.value.store(true, ordering: .relaxed) }
                            throw RPCError(code: .unavailable, message: "the server ended the sync stream")
                        }
                        group.addTask { try await renewer.renewWhenDue(client: client) }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                }
                backoff = .milliseconds(100)
                continue
            } catch {
                if Task.isCancelled { return }
                if let rpc = error as? RPCError, rpc.code == .permissionDenied || rpc.code == .unauthenticated {
                    backoff = await disowned(rpc)
                } else {
                    logger.warning("lost the server; serving cached SVIDs and reconnecting", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
                }
            }
            if progressed.value.load(ordering: .relaxed) { backoff = .milliseconds(500) }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    /// The server refused the agent's SVID (evicted, banned, expired): re-attest when possible.
    /// - Returns: the back-off before the next attempt.
    private func disowned(_ error: RPCError) async -> Duration {
        logger.error("the server refuses this agent", metadata: ["error": "\(error.message)"])
        guard let reattest else {
            logger.error("this agent cannot re-attest by itself (join_token): evict it on the server and restart it with a new token; cached SVIDs are served until they expire")
            return .seconds(30)
        }
        do {
            holder.replace(with: try await reattest())
            return .milliseconds(100)
        } catch {
            logger.error("re-attestation failed", metadata: ["error": "\(error)"])
            return .seconds(30)
        }
    }
}

/// Set when the sync stream delivered something, so a later failure restarts the back-off from its floor.
final class ProgressFlag: Sendable {
    let value = Atomic<Bool>(false)
}
