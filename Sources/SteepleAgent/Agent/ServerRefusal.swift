import GRPCCore

/// How the server refused the agent itself (not one of its requests), read from the status of an agent API call:
/// from the stable reason code in its `steeple-reason` trailer (the server's error map), else — a server older than
/// that map — from the status message.
enum ServerRefusal: Sendable, Equatable, CustomStringConvertible {
    /// Banned: never re-attest.
    case banned
    /// Not attested (evicted), or its SVID is not the current one, or no longer verifies: attest again if possible.
    case notAttested

    /// The trailer the server's error map names its reason in.
    static let reasonKey = "steeple-reason"

    init?(_ error: RPCError) {
        if let reason = error.metadata[stringValues: Self.reasonKey].first(where: { _ in true }) {
            switch reason {
            case "agent_banned": self = .banned
            case "agent_not_attested", "agent_svid_superseded", "not_an_agent_id", "agent_svid_rejected", "no_client_certificate":
                self = .notAttested
            default:
                // `agent_revoked` (said on an open sync stream: the next connection's authentication says which) and
                // every refusal of a request rather than of the agent.
                return nil
            }
            return
        }
        switch error.code {
        case .permissionDenied:
            if error.message.contains("evicted or banned") {
                // Said on an open sync stream; the next connection's authentication says which.
                return nil
            } else if error.message.contains("is banned") {
                self = .banned
            } else if error.message.contains("not attested") || error.message.contains("evicted") || error.message.contains("not the current one") || error.message.contains("is not an agent ID") {
                self = .notAttested
            } else {
                return nil
            }
        case .unauthenticated:
            self = .notAttested
        default:
            return nil
        }
    }

    var description: String {
        switch self {
        case .banned: return "banned"
        case .notAttested: return "not attested"
        }
    }
}
