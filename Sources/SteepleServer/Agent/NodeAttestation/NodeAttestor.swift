import SPIFFE
import SteepleDatastore

/// What a node attestor concludes about an agent: its ID, its node selectors, and whether it may attest again.
struct NodeAttestationResult: Sendable {
    var agentID: SPIFFEID
    var selectors: [Selector]
    var canReattest: Bool
}

/// Proves a node's identity from the data the agent sends (SPIRE's server-side `NodeAttestor` plugin type). An
/// attestor may issue one challenge through `challenge` and read the answer.
protocol NodeAttestor: Sendable {
    /// The plugin name, e.g. `join_token`.
    var name: String { get }

    /// Attests `payload`. Throws an ``APIRefusal`` (`attestation_failed` or `invalid_request`) naming why it failed.
    func attest(payload: [UInt8], challenge: (_ challenge: [UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult
}
