import ArgumentParser
import SPIREAPIProto

/// `entry show`: lists registration entries matching the filters (SPIRE's `ListEntries`, every page; `GetEntry` for
/// `-entryID`), sorted as SPIRE sorts them.
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
        let entries = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await query.fetchAll(SPIREEntryClient(wrapping: grpc))
        }
        let sorted = EntryOrdering.sorted(entries)
        switch options.output {
        case .pretty:
            Console.out(EntryPrinter.found(sorted))
        case .json:
            var response = Spire_Api_Server_Entry_V1_ListEntriesResponse()
            response.entries = sorted
            Console.out(try ProtoJSON.line(response))
        }
    }
}
