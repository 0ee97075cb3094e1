import ArgumentParser
import SPIREAPIProto

/// `agent ban -spiffeID`: bans an agent so it can no longer renew or re-attest (SPIRE's `BanAgent`).
struct AgentBan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ban",
        abstract: "Ban an attested agent given its SPIFFE ID"
    )

    @OptionGroup var agent: AgentIDOption

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try agent.id()
    }

    func run() async throws {
        var request = Spire_Api_Server_Agent_V1_BanAgentRequest()
        request.id = try agent.spireID()
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREAgentClient(wrapping: grpc).banAgent(sent)
        }
        switch options.output {
        case .pretty:
            Console.out("Agent banned successfully\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
