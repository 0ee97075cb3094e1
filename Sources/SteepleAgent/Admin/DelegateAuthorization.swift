import GRPCCore
import Logging
import SPIFFE
import SPIREAPIProto

/// Who may use the Delegated Identity API, and for whom: the caller is attested like a Workload API caller and must
/// hold an entry whose SPIFFE ID is in `authorized_delegates`; the workload it asks for is named by selectors (taken
/// as attested) or by a PID (attested here).
struct DelegateAuthorization: Sendable {
    let cache: WorkloadCache
    let attestation: WorkloadCallerAttestation
    let authorizedDelegates: Set<SPIFFEID>
    /// Attests a process named by PID: its selectors.
    let attestPID: @Sendable (Int32) async throws -> Set<String>
    let logger: Logger

    /// The caller's selectors, when one of its entries is an authorized delegate; `PermissionDenied` otherwise
    /// (SPIRE's messages: "no identity issued", "caller not configured as an authorized delegate").
    func authorize(_ context: ServerContext) async throws(RPCError) -> Set<String> {
        let selectors = try await attestation.selectors(context)
        try authorize(selectors: selectors)
        return selectors
    }

    /// Checks again with the caller's selectors from the start of the call: its entries may have changed since.
    func authorize(selectors: Set<String>) throws(RPCError) {
        let entries = cache.matchingEntries(for: selectors)
        guard let first = entries.first else {
            logger.error("No identity issued", metadata: ["delegate_selectors": "\(selectors.sorted())"])
            throw RPCError(code: .permissionDenied, message: "no identity issued")
        }
        if let delegate = entries.first(where: { authorizedDelegates.contains($0.spiffeID) }) {
            logger.debug("Caller authorized as delegate", metadata: ["delegate_id": "\(delegate.spiffeID)"])
            return
        }
        logger.error("Permission denied; caller not configured as an authorized delegate.", metadata: [
            "num_registered_entries": "\(entries.count)", "default_id": "\(first.spiffeID)",
        ])
        throw RPCError(code: .permissionDenied, message: "caller not configured as an authorized delegate")
    }

    /// The workload's selectors from a request: either selectors or a non-zero PID, not both (SPIRE's rule; PID 0 is
    /// never asked for).
    func workloadSelectors(selectors: [Spire_Api_Types_Selector], pid: Int32) async throws(RPCError) -> Set<String> {
        guard selectors.isEmpty != (pid == 0) else {
            throw RPCError(code: .invalidArgument, message: "must provide either selectors or non-zero PID, but not both")
        }
        if pid == 0 {
            var parsed = Set<String>()
            for (index, selector) in selectors.enumerated() {
                let problem: String? = if selector.type.isEmpty {
                    "missing selector type"
                } else if selector.type.contains(":") {
                    "selector type contains ':'"
                } else if selector.value.isEmpty {
                    "missing selector value"
                } else {
                    nil
                }
                if let problem {
                    throw RPCError(code: .invalidArgument, message: "could not parse provided selectors: selector \(index) (type \"\(selector.type)\", value \"\(selector.value)\"): \(problem); expected a type such as \"unix\" and a value such as \"uid:1000\"")
                }
                parsed.insert(selector.type + ":" + selector.value)
            }
            return parsed
        }
        do {
            return try await attestPID(pid)
        } catch {
            logger.error("Workload attestation failed", metadata: ["pid": "\(pid)", "error": "\(error)"])
            throw RPCError(code: .unavailable, message: "workload attestation failed: \(error)")
        }
    }
}
