import ArgumentParser
import SPIREAPIProto

/// `entry count`: counts registration entries matching the filters (SPIRE's `CountEntries`, every filter applied by
/// the server).
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
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIREEntryClient(wrapping: grpc).countEntries(query.countRequest)
        }
        switch options.output {
        case .pretty:
            Console.out(EntryPrinter.count(Int64(response.count)))
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
