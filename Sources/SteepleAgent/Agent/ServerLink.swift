import SteepleServerClient
import GRPCCore
import Logging
import SPIFFE
import SteepleSupport
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agent's link to the server: connect (presenting the current SVID, checking the server against the newest
/// bundle), follow the sync stream, renew the SVID when due; on any failure keep the cache, back off (jittered, at
/// most ``ReconnectBackoff/ceiling``) and reconnect. When the server disowns the agent (banned, evicted, SVID no
/// longer accepted) it re-attests if its attestor can, and otherwise drops every SVID, deletes its own and stops.
struct ServerLink: Sendable {
    let connection: ServerConnection
    let holder: AgentIdentityHolder
    let cache: WorkloadCache
    let session: ServerSession
    let health: AgentHealth
    let state: AgentStateStore
    let sync: EntrySync
    let renewer: AgentSVIDRenewer
    let bootstrapTrust: ServerTrust
    /// Re-attests after the server disowned the agent (evicted), when the attestor allows it.
    let reattest: (@Sendable () async throws -> AgentIdentity)?
    let logger: Logger

    func run() async {
        var backoff = ReconnectBackoff()
        let progressed = ProgressFlag()
        while !Task.isCancelled {
            progressed.value.store(false, ordering: .relaxed)
            let trust: ServerTrust = cache.read { $0.bundle }.map { .bundle($0) } ?? bootstrapTrust
            let reconnectRequests = session.reconnectRequests.subscribe()
            defer { session.reconnectRequests.unsubscribe(reconnectRequests) }
            do {
                try await connection.withClient(identity: holder.current, trust: trust) { client in
                    session.set(client)
                    defer { session.set(nil) }
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            try await sync.run(client: client) {
                                if !progressed.value.exchange(true, ordering: .relaxed) { health.linkChanged(.connected) }
                            }
                            throw RPCError(code: .unavailable, message: "the server ended the sync stream")
                        }
                        group.addTask { try await renewer.renewWhenDue(client: client) }
                        group.addTask {
                            await reconnectRequests.wait()
                            throw RPCError(code: .unavailable, message: "a fresh connection was requested (issuance watchdog)")
                        }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                }
                backoff.reset()
                continue
            } catch {
                if Task.isCancelled { return }
                if let rpc = error as? RPCError, let refusal = ServerRefusal(rpc) {
                    guard await disowned(refusal, error: rpc) else { return }
                    continue
                }
                health.linkChanged(.disconnected(since: Date(), error: "\(error)"))
                if progressed.value.load(ordering: .relaxed) { backoff.reset() }
                let delay = backoff.next()
                logger.warning("lost the server; serving cached SVIDs until they expire and reconnecting", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// The server refused the agent: re-attest when possible (retrying with back-off while that fails), otherwise
    /// stop serving for good.
    /// - Returns: whether to reconnect (false: the agent is disowned and the link stops).
    private func disowned(_ refusal: ServerRefusal, error: RPCError) async -> Bool {
        let code = error.metadata[stringValues: ServerRefusal.reasonKey].first(where: { _ in true }) ?? "none"
        logger.error("the server refuses this agent", metadata: ["reason": "\(refusal)", "reason_code": "\(code)", "error": "\(error.message)"])
        if case .banned = refusal {
            stopServing(.banned(error.message))
            return false
        }
        guard let reattest else {
            stopServing(.evicted(error.message))
            return false
        }
        var backoff = ReconnectBackoff()
        while !Task.isCancelled {
            do {
                holder.replace(with: try await reattest())
                logger.info("re-attested", metadata: ["spiffe_id": "\(holder.current.id)", "expires_at": "\(holder.current.expiresAt)"])
                return true
            } catch let rpc as RPCError where ServerRefusal(rpc) == .banned {
                stopServing(.banned(rpc.message))
                return false
            } catch {
                health.linkChanged(.disconnected(since: Date(), error: "re-attestation failed: \(error)"))
                let delay = backoff.next()
                logger.error("re-attestation failed", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                try? await Task.sleep(for: delay)
            }
        }
        return false
    }

    /// Banned, or evicted without a way back: no SVID of this agent may be served or presented again.
    private func stopServing(_ why: AgentHealth.Disowned) {
        cache.revokeAll()
        state.deleteIdentity()
        health.disown(why)
        logger.critical("this agent no longer serves SVIDs", metadata: ["reason": "\(why.reason)"])
    }
}

/// Set when the sync stream delivered something, so a later failure restarts the back-off from its floor.
final class ProgressFlag: Sendable {
    let value = Atomic<Bool>(false)
}
