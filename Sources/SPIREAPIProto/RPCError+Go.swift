package import GRPCCore

extension RPCError.Code {
    /// The code's name as Go's gRPC spells it (`PermissionDenied`, `Internal`), which SPIRE's messages and the scripts
    /// that grep them use.
    package var goName: String {
        switch self {
        case .internalError: return "Internal"
        case .cancelled: return "Canceled"
        default:
            let name = description
            return name.prefix(1).uppercased() + name.dropFirst()
        }
    }
}

extension RPCError {
    /// `rpc error: code = <Go name> desc = <message>`, as a Go client prints a failed call (SPIRE's CLI among them).
    package var goDescription: String { "rpc error: code = \(code.goName) desc = \(message)" }
}
