/// A request a handler refuses, with a stable reason code (sent in the `steeple-reason` trailer; ``APIErrorMap``
/// maps it to a gRPC status) and a message that names what is wrong and what would be right.
struct APIRefusal: Error, Sendable, CustomStringConvertible {
    /// Why. The raw values are a contract: clients (the agent among them) act on them.
    enum Reason: String, Sendable, CustomStringConvertible {
        /// A field of the request is missing, malformed or out of range.
        case invalidRequest = "invalid_request"
        /// A batch holds more items than one request may.
        case batchTooLarge = "batch_too_large"
        /// What the request names does not exist.
        case notFound = "not_found"
        /// The agent API caller presented no certificate.
        case noClientCertificate = "no_client_certificate"
        /// The caller's certificate is not an X509-SVID of this trust domain valid now.
        case agentSVIDRejected = "agent_svid_rejected"
        /// The caller's SVID names something other than an agent.
        case notAnAgentID = "not_an_agent_id"
        /// The agent has no node record (never attested, or evicted): it must attest again.
        case agentNotAttested = "agent_not_attested"
        /// The agent is banned: it must not attest again.
        case agentBanned = "agent_banned"
        /// The caller's SVID is not the agent's current one (renewed since, or re-attested elsewhere).
        case agentSVIDSuperseded = "agent_svid_superseded"
        /// Said on an open entry stream: the agent was evicted or banned; its next call learns which.
        case agentRevoked = "agent_revoked"
        /// The agent is attested already and may not attest again without being evicted.
        case alreadyAttested = "already_attested"
        /// The agent asked for an entry it is not authorized for.
        case notAuthorizedForEntry = "not_authorized_for_entry"
        /// Node attestation refused the evidence (a used or expired token, a chain of no configured CA, a failed proof).
        case attestationFailed = "attestation_failed"
        /// The server failed.
        case `internal` = "internal"

        var description: String { rawValue }
    }

    let reason: Reason
    let message: String

    init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    var description: String { "\(reason): \(message)" }
}
