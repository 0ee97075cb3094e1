import GRPCCore
import Logging
import SteepleTelemetry

/// Attests the caller of a call on the agent's socket: its kernel credentials, from the transport, through the
/// workload attestor. Shared by the Workload API and Envoy SDS, whose callers are attested alike.
struct WorkloadCallerAttestation: Sendable {
    let attestor: WorkloadAttestor
    /// The caller of a call, from the transport.
    let caller: @Sendable (ServerContext) -> WorkloadCaller?
    let logger: Logger

    /// The caller's selectors; `Unavailable` when the caller cannot be attested (SPIRE's mapping).
    func selectors(_ context: ServerContext) async throws(RPCError) -> Set<String> {
        guard let caller = caller(context) else {
            throw RPCError(code: .unavailable, message: "workload attestation failed: the caller's credentials are unknown")
        }
        // SPIRE's `workload_api.workload_attestation` call counter and `discovered_selectors` sample.
        let call = CallCounter("workload_api.workload_attestation")
        do {
            let selectors = try await attestor.selectors(for: caller)
            call.done()
            SPIREMetrics.sample("workload_api.discovered_selectors", Double(selectors.count))
            return selectors
        } catch {
            call.done(status: "Unavailable")
            logger.warning("workload attestation failed", metadata: ["pid": "\(caller.pid)", "error": "\(error)"])
            throw RPCError(code: .unavailable, message: "workload attestation failed")
        }
    }
}
