import ArgumentParser
import SPIREAPIProto

/// `agent count`: counts attested agents (SPIRE's `CountAgents`; `ListAgents` when a filter must be applied here).
struct AgentCount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count attested agents"
    )

    @OptionGroup var filters: AgentFilterOptions

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try filters.query()
    }

    func run() async throws {
        let query = try filters.query()
        let count = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            let client = SPIREAgentClient(wrapping: grpc)
            if query.filtersLocally {
                return Int32(clamping: try await query.fetchAll(client).count)
            }
            return try await client.countAgents(query.countRequest).count
        }
        switch options.output {
        case .pretty:
            Console.out(AgentPrinter.count(Int64(count)))
        case .json:
            var response = Spire_Api_Server_Agent_V1_CountAgentsResponse()
            response.count = count
            Console.out(try ProtoJSON.line(response))
        }
    }
}
