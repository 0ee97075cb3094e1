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

extension RPCError.Code {
    /// Go's name of a gRPC status code given as its number (a `types.Status.code` in a batch result): `OK` for 0,
    /// `NotFound` for 5; `Code(<n>)` for a number outside gRPC's codes, as Go prints it.
    package static func goName(number: Int32) -> String {
        let names = [
            "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
            "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
            "DataLoss", "Unauthenticated",
        ]
        return names.indices.contains(Int(number)) ? names[Int(number)] : "Code(\(number))"
    }
}
