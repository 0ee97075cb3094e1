import ArgumentParser
import SteepleCLI
import SPIFFE
import SPIREAPIProto

/// `token generate`: creates a join token (SPIRE's `CreateJoinToken`) and prints `Token: <value>`.
struct TokenGenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generates a join token"
    )

    @Option(name: .spire("spiffeID"), help: "Additional SPIFFE ID to assign the token owner (optional)")
    var spiffeID: String?

    @Option(name: .spire("ttl"), help: "Token TTL in seconds")
    var ttl: Int32 = 600

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try request()
    }

    /// The request the flags describe.
    ///
    /// - Throws: ``CLIError`` when `-spiffeID` is malformed or `-ttl` is not positive.
    func request() throws(CLIError) -> Spire_Api_Server_Agent_V1_CreateJoinTokenRequest {
        guard ttl > 0 else {
            throw CLIError("a positive TTL is required")
        }
        var request = Spire_Api_Server_Agent_V1_CreateJoinTokenRequest()
        request.ttl = ttl
        if let spiffeID, !spiffeID.isEmpty {
            request.agentID = try IDArgument.spireID(spiffeID, flag: "spiffeID")
        }
        return request
    }

    func run() async throws {
        let request = try request()
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREAgentClient(wrapping: grpc).createJoinToken(request)
        }
        switch options.output {
        case .pretty:
            Console.out(Self.pretty(response, hasAlias: request.hasAgentID))
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }

    /// `Token: <value>`, then SPIRE's `Warning: Missing SPIFFE ID.` when no alias was asked for.
    static func pretty(_ response: Spire_Api_Types_JoinToken, hasAlias: Bool) -> String {
        "Token: \(response.value)\n" + (hasAlias ? "" : "Warning: Missing SPIFFE ID.\n")
    }
}
