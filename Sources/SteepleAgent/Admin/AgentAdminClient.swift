import GRPCCore
package import SteepleServerAPIProto
import GRPCNIOTransportHTTP2
package import SPIREAPIProto

/// The client side of the admin socket, for `steeple-agent debug getinfo` and `logger get|set|reset`: one call per
/// connection, as SPIRE's CLI makes them.
package enum AgentAdminClient {
    package static func getInfo(socketPath: String) async throws -> Spire_Agent_Debug_V1_GetInfoResponse {
        try await call(socketPath) { grpc in
            try await Spire_Agent_Debug_V1_Debug.Client(wrapping: grpc).getInfo(Spire_Agent_Debug_V1_GetInfoRequest())
        }
    }

    package static func getLogger(socketPath: String) async throws -> Spire_Api_Types_Logger {
        try await call(socketPath) { grpc in
            try await Spire_Api_Agent_Logger_V1_Logger.Client(wrapping: grpc).getLogger(Spire_Api_Agent_Logger_V1_GetLoggerRequest())
        }
    }

    package static func setLogLevel(socketPath: String, level: Spire_Api_Types_LogLevel) async throws -> Spire_Api_Types_Logger {
        var request = Spire_Api_Agent_Logger_V1_SetLogLevelRequest()
        request.newLevel = level
        return try await call(socketPath) { [request] grpc in
            try await Spire_Api_Agent_Logger_V1_Logger.Client(wrapping: grpc).setLogLevel(request)
        }
    }

    package static func resetLogLevel(socketPath: String) async throws -> Spire_Api_Types_Logger {
        try await call(socketPath) { grpc in
            try await Spire_Api_Agent_Logger_V1_Logger.Client(wrapping: grpc).resetLogLevel(Spire_Api_Agent_Logger_V1_ResetLogLevelRequest())
        }
    }

    package static func explain(socketPath: String, request: Steeple_Server_V1_ExplainRequest) async throws -> Steeple_Server_V1_ExplainResponse {
        try await call(socketPath) { grpc in
            try await Steeple_Agent_V1_AgentDebug.Client(wrapping: grpc).explain(request)
        }
    }

    private static func call<Response: Sendable>(
        _ socketPath: String, _ body: @Sendable (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Response
    ) async throws -> Response {
        let transport = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { grpc in try await body(grpc) }
    }
}
