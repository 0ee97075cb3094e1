import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SteepleServerAPIProto

/// The generated client of the server's admin API, over HTTP/2 on the server's Unix socket.
typealias AdminClient = Steeple_Server_V1_AdminAPI.Client<HTTP2ClientTransport.Posix>

/// Connects to the admin API on `socketPath`, runs `body` with a client, then closes the connection.
///
/// Admin commands never open the datastore: like SPIRE's, they only talk to the running server (ANCHORS §1.4).
///
/// - Throws: ``CLIError`` saying what happened: the socket is missing or nothing listens on it
///   (`cannot connect to the server at …: is steeple-server running? (-socketPath)`), the caller may not reach it
///   (`permission denied connecting to …`), the request was too large (`request too large: N bytes, limit M`), or
///   the server's message when an RPC fails; whatever `body` throws otherwise.
func withAdminClient<Result: Sendable>(
    socketPath: String,
    _ body: (AdminClient) async throws -> Result
) async throws -> Result {
    try await withAdminGRPCClient(socketPath: socketPath) { grpc in try await body(AdminClient(wrapping: grpc)) }
}

/// As ``withAdminClient(socketPath:_:)``, with a plain gRPC client for SPIRE's server API on the same socket.
func withAdminGRPCClient<Result: Sendable>(
    socketPath: String,
    _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Result
) async throws -> Result {
    switch AdminSocketProbe.probe(socketPath) {
    case .listening: break
    case .notRunning(let detail): throw CLIError.cannotConnect(socketPath: socketPath, detail: detail)
    case .permissionDenied: throw CLIError.permissionDenied(socketPath: socketPath)
    case .failed(let detail): throw CLIError("cannot connect to the server at \(socketPath): \(detail)")
    }
    do {
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: socketPath),
            transportSecurity: .plaintext
        )
        return try await withGRPCClient(transport: transport) { grpcClient in
            try await body(grpcClient)
        }
    } catch let error as RPCError {
        throw CLIError(rpcError: error, socketPath: socketPath)
    } catch let error as RuntimeError {
        throw CLIError.cannotConnect(socketPath: socketPath, detail: error.message)
    }
}

extension CLIError {
    /// The operator's view of a failed RPC: the server's message, or a connection hint when the server is unreachable.
    init(rpcError: RPCError, socketPath: String) {
        switch rpcError.code {
        case .unavailable:
            // The socket answered a moment ago (see AdminSocketProbe): ask whether the server runs only if it is gone.
            if case .notRunning(let detail) = AdminSocketProbe.probe(socketPath) {
                self = .cannotConnect(socketPath: socketPath, detail: detail)
            } else {
                self.init("the server at \(socketPath) is unavailable: \(rpcError.message)")
            }
        case .resourceExhausted:
            self = .requestTooLarge(rpcError.message)
        case .dataLoss, .internalError, .unknown:
            self.init("\(GRPCStatusName.name(of: Int32(rpcError.code.rawValue))): \(rpcError.message)")
        default:
            self.init(rpcError.message)
        }
    }
}
