import ArgumentParser
import SteepleServerAPIProto

/// `entry show`: lists registration entries matching the filters (`ListEntries`, every page), sorted as SPIRE
/// sorts them.
struct EntryShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Displays configured registration entries"
    )

    @OptionGroup var filters: EntryFilterOptions

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try filters.query()
    }

    func run() async throws {
        let query = try filters.query()
        let entries = try await withAdminClient(socketPath: options.socketPath) { client in
            try await query.fetchAll { request in try await client.listEntries(request) }
        }
        if let entryID = filters.entryID, !entryID.isEmpty, entries.isEmpty {
            throw CLIError("error fetching entry ID \(entryID): entry not found")
        }
        let sorted = EntryOrdering.sorted(entries)
        switch options.output {
        case .pretty:
            Console.out(EntryPrinter.found(sorted))
        case .json:
            var response = Steeple_Server_V1_ListEntriesResponse()
            response.entries = sorted
            Console.out(try ProtoJSON.line(response))
        }
    }
}
