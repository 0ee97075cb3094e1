import ArgumentParser
import SteepleServerAPIProto

/// `agent count`: counts attested agents (`CountAgents`; `ListAgents` when a filter must be applied here).
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
        let count = try await withAdminClient(socketPath: options.socketPath) { client in
            if query.filtersLocally {
                return Int64(try await query.fetchAll { request in try await client.listAgents(request) }.count)
            }
            return try await client.countAgents(query.request).count
        }
        switch options.output {
        case .pretty:
            Console.out(AgentPrinter.count(count))
        case .json:
            var response = Steeple_Server_V1_CountResponse()
            response.count = count
            Console.out(try ProtoJSON.line(response))
        }
    }
}
