import GRPCCore

extension WorkloadAPIError {
    /// The error for a failed call: an `RPCError`'s status mapped to a code, carrying the server's message
    /// (Workload Endpoint §6, SPEC §6.4); a client runtime error as ``Code/clientClosed`` or ``Code/unavailable``.
    static func mapping(_ error: any Error, call: String) -> WorkloadAPIError {
        switch error {
        case let error as WorkloadAPIError:
            return error
        case let error as RPCError:
            return WorkloadAPIError(code: code(for: error.code), message: error.message, cause: error)
        case let error as RuntimeError:
            if error.code == .clientIsStopped {
                return WorkloadAPIError(code: .clientClosed, message: "\(call): the client is closed", cause: error)
            }
            return WorkloadAPIError(code: .unavailable, message: "\(call): \(error.message)", cause: error)
        case is CancellationError:
            return WorkloadAPIError(code: .cancelled, message: "\(call) was cancelled")
        default:
            return WorkloadAPIError(code: .rpcFailed, message: "\(call) failed: \(error)", cause: error)
        }
    }

    private static func code(for code: RPCError.Code) -> Code {
        switch code {
        case .permissionDenied: .permissionDenied
        case .invalidArgument: .invalidArgument
        case .unavailable: .unavailable
        case .unimplemented: .unimplemented
        case .deadlineExceeded: .deadlineExceeded
        case .cancelled: .cancelled
        default: .rpcFailed
        }
    }
}
