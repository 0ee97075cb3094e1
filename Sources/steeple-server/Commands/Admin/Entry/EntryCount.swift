import ArgumentParser
import SteepleServerAPIProto

/// `entry count`: counts registration entries matching the filters (`CountEntries`; `ListEntries` when the
/// `-federatesWith` filter must be applied here, see ``EntryQuery``).
struct EntryCount: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count registration entries"
    )

    @OptionGroup var filters: EntryFilterOptions

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try filters.query()
    }

    func run() async throws {
        let query = try filters.query()
        let count = try await withAdminClient(socketPath: options.socketPath) { client in
            if query.filtersLocally {
                return Int64(try await query.fetchAll { request in try await client.listEntries(request) }.count)
            }
            return try await client.countEntries(query.request).count
        }
        switch options.output {
        case .pretty:
            Console.out(EntryPrinter.count(count))
        case .json:
            var response = Steeple_Server_V1_CountResponse()
            response.count = count
            Console.out(try ProtoJSON.line(response))
        }
    }
}
