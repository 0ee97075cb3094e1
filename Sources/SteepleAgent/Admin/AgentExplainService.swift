import GRPCCore
import SPIFFE
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `steeple-agent debug explain -pid N` on the admin socket (`steeple.agent.v1.AgentDebug/Explain`): attests the
/// process as the Workload API would attest it as a caller, then sets every entry the agent holds against its
/// selectors: matched, or which selectors it lacks; whether an SVID is ready, and why the server refused one. Also
/// says when the agent itself cannot serve (not synced, server lost, banned), which no entry explains.
struct AgentExplainService: Steeple_Agent_V1_AgentDebug.SimpleServiceProtocol {
    let cache: WorkloadCache
    let health: AgentHealth
    /// The workload attestor's selectors for a process ID (as the Delegated Identity API attests one).
    let attestPID: @Sendable (Int32) async throws -> (WorkloadCaller, Set<String>)

    func explain(request: Steeple_Server_V1_ExplainRequest, context _: ServerContext) async throws -> Steeple_Server_V1_ExplainResponse {
        var response = Steeple_Server_V1_ExplainResponse()
        let workload: Set<String>
        if request.pid != 0 {
            response.pid = request.pid
            do {
                let (caller, selectors) = try await attestPID(request.pid)
                response.uid = caller.uid
                response.gid = caller.gid
                workload = selectors
            } catch {
                response.attestationError = "\(error)"
                workload = []
            }
        } else if !request.selectors.isEmpty {
            workload = Set(request.selectors)
        } else {
            throw RPCError(code: .invalidArgument, message: "give a process ID (-pid) or the workload's selectors (-selector type:value)")
        }
        response.selectors = workload.sorted()
        let now = Date()
        let (entries, synced) = cache.read { state in
            (state.entries.values.map { entry in
                var explained = Steeple_Server_V1_ExplainedEntry(
                    entryID: entry.id, spiffeID: entry.spiffeID.description, parentID: "", selectors: Set(entry.selectors), workload: workload,
                    hint: entry.hint)
                explained.svidReady = state.svids[entry.id].map { $0.notAfter > now } ?? false
                explained.refusedReason = state.refused[entry.id]?.reason ?? ""
                explained.authorized = true
                return explained
            }, state.synced)
        }
        response.entries = entries.sorted(by: Steeple_Server_V1_ExplainedEntry.explanationOrder)
        if let reason = health.cannotIssueReason(now: now) {
            response.agentProblem = reason
        } else if !synced {
            response.agentProblem = "the agent has not received its entries from the server yet"
        }
        return response
    }
}
