import ArgumentParser
import SPIREAPIProto

/// `agent show -spiffeID`: shows one attested agent (SPIRE's `GetAgent`).
struct AgentShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Shows the details of an attested agent given its SPIFFE ID"
    )

    @OptionGroup var agent: AgentIDOption

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try agent.id()
    }

    func run() async throws {
        var request = Spire_Api_Server_Agent_V1_GetAgentRequest()
        request.id = try agent.spireID()
        let sent = request
        let found = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREAgentClient(wrapping: grpc).getAgent(sent)
        }
        switch options.output {
        case .pretty:
            Console.out(AgentPrinter.show(found))
        case .json:
            Console.out(try ProtoJSON.line(found))
        }
    }
}
