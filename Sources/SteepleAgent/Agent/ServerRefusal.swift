import GRPCCore

/// How the server refused the agent itself (not one of its requests), read from the status of an agent API call.
/// The server's messages are the contract here until its error map carries stable reason codes.
enum ServerRefusal: Sendable, Equatable, CustomStringConvertible {
    /// Banned: never re-attest.
    case banned
    /// Not attested (evicted), or its SVID is not the current one, or no longer verifies: attest again if possible.
    case notAttested

    init?(_ error: RPCError) {
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
