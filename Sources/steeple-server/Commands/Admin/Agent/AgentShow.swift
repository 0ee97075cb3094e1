import ArgumentParser
import SteepleServerAPIProto

/// `agent show -spiffeID`: shows one attested agent (`ListAgents` by SPIFFE ID).
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
        var request = Steeple_Server_V1_ListAgentsRequest()
        request.bySpiffeID = try agent.id()
        request.pageSize = 1
        let sent = request
        let response = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.listAgents(sent)
        }
        guard let found = response.agents.first(where: { $0.spiffeID == sent.bySpiffeID }) else {
            throw CLIError("agent \(sent.bySpiffeID) not found")
        }
        switch options.output {
        case .pretty:
            Console.out(AgentPrinter.show(found))
        case .json:
            Console.out(try ProtoJSON.line(found))
        }
    }
}
