import ArgumentParser
import SPIREAPIProto

/// `agent list`: lists attested agents (SPIRE's `ListAgents`, every page).
struct AgentList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Lists attested agents and their SPIFFE IDs"
    )

    @OptionGroup var filters: AgentFilterOptions

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try filters.query()
    }

    func run() async throws {
        let query = try filters.query()
        let agents = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await query.fetchAll(SPIREAgentClient(wrapping: grpc))
        }
        switch options.output {
        case .pretty:
            Console.out(AgentPrinter.list(agents))
        case .json:
            var response = Spire_Api_Server_Agent_V1_ListAgentsResponse()
            response.agents = agents
            Console.out(try ProtoJSON.line(response))
        }
    }
}
