import ArgumentParser
import SteepleServerAPIProto

/// `agent list`: lists attested agents (`ListAgents`, every page).
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
        let agents = try await withAdminClient(socketPath: options.socketPath) { client in
            try await query.fetchAll { request in try await client.listAgents(request) }
        }
        switch options.output {
        case .pretty:
            Console.out(AgentPrinter.list(agents))
        case .json:
            var response = Steeple_Server_V1_ListAgentsResponse()
            response.agents = agents
            Console.out(try ProtoJSON.line(response))
        }
    }
}
