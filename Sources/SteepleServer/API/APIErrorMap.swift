public import GRPCCore
public import SPIFFE
package import SPIFFECA
package import SteepleDatastore
import SteepleServerAPIProto

/// The one map from the server's errors to gRPC statuses, for every API it serves (admin, agent, and those to come).
///
/// Handlers throw domain errors as they are — ``APIRefusal`` for what a handler itself refuses, `CAError`,
/// `DatastoreError`, `SPIFFEError`, ``EntryValidator/Failure`` — and grpc-swift asks them for their status through
/// `RPCErrorConvertible`, whose conformances all live in this file. Every status carries the stable reason code in
/// the `steeple-reason` trailer (``reasonKey``), so that a client decides on a code, never on message text; the
/// message is for humans and names what is wrong and what would be right.
enum APIErrorMap {
    /// The trailer holding the stable reason code of a refusal, such as `agent_banned` or `ca/invalidCSR`.
    static let reasonKey = "steeple-reason"

    /// The status of any error a handler throws (an error no case covers is `internalError`, message kept).
    static func rpcError(_ error: any Error) -> RPCError {
        switch error {
        case let error as RPCError: return error
        case let error as any RPCErrorConvertible: return RPCError(error)
        default: return RPCError(code: .internalError, message: "\(error)")
        }
    }

    /// The trailer naming `reason`.
    static func metadata(reason: String) -> Metadata {
        var metadata = Metadata()
        metadata.addString(reason, forKey: reasonKey)
        return metadata
    }
}

extension APIRefusal: RPCErrorConvertible {
    var rpcErrorCode: RPCError.Code {
        switch reason {
        case .invalidRequest, .batchTooLarge: .invalidArgument
        case .notFound: .notFound
        case .noClientCertificate, .agentSVIDRejected: .unauthenticated
        case .notAnAgentID, .agentNotAttested, .agentBanned, .agentSVIDSuperseded, .agentRevoked, .alreadyAttested,
            .notAuthorizedForEntry, .attestationFailed:
            .permissionDenied
        case .internal: .internalError
        }
    }
    var rpcErrorMessage: String { message }
    var rpcErrorMetadata: Metadata { APIErrorMap.metadata(reason: reason.description) }
}

extension CAError: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code {
        switch code {
        case .invalidParameters, .invalidCSR, .ttlNotHonourable: .invalidArgument
        case .jwtSVIDsDisabled: .unimplemented
        default: .internalError
        }
    }
    package var rpcErrorMessage: String { message }
    package var rpcErrorMetadata: Metadata { APIErrorMap.metadata(reason: "ca/\(code)") }
}

extension DatastoreError: RPCErrorConvertible {
    package var rpcErrorCode: RPCError.Code {
        switch code {
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .invalidArgument: .invalidArgument
        case .conflict: .failedPrecondition
        case .corruptRecord: .dataLoss
        default: .internalError
        }
    }
    package var rpcErrorMessage: String { message }
    package var rpcErrorMetadata: Metadata { APIErrorMap.metadata(reason: "datastore/\(code)") }
}

extension SPIFFEError: RPCErrorConvertible {
    /// A SPIFFE error reaching an API is always about the caller's input (an ID, a bundle, a token it sent).
    public var rpcErrorCode: RPCError.Code { .invalidArgument }
    public var rpcErrorMessage: String { message }
    public var rpcErrorMetadata: Metadata { APIErrorMap.metadata(reason: "spiffe/\(code)") }
}

extension EntryValidator.Failure: RPCErrorConvertible {
    var rpcErrorCode: RPCError.Code { .invalidArgument }
    var rpcErrorMessage: String { message }
    var rpcErrorMetadata: Metadata { APIErrorMap.metadata(reason: "invalid_entry") }
}

extension Steeple_Server_V1_Status {
    /// A batch item's status, through the same map.
    init(_ error: any Error) {
        let rpc = APIErrorMap.rpcError(error)
        self.init()
        code = Int32(rpc.code.rawValue)
        message = rpc.message
    }
}
