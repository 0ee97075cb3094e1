/// The name Go's `codes.Code` prints for a gRPC status code, as in SPIRE's
/// `Failed to create the following entry (code: AlreadyExists, msg: "…")`.
enum GRPCStatusName {
    private static let names = [
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
        "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
        "Internal", "Unavailable", "DataLoss", "Unauthenticated",
    ]

    /// `AlreadyExists` for 6; `Code(99)` for a code gRPC does not define.
    static func name(of code: Int32) -> String {
        guard code >= 0, Int(code) < names.count else { return "Code(\(code))" }
        return names[Int(code)]
    }
}
