import ArgumentParser
import SteepleCLI
import SPIREAPIProto

/// `entry delete`: deletes registration entries by ID (SPIRE's `BatchDeleteEntry`, in batches of 500).
struct EntryDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Deletes registration entries"
    )

    @Option(name: .spire("entryID"), help: "The Registration Entry ID of the record to delete.")
    var entryID: String?

    @Option(
        name: .spire("file"),
        help: "Path to a file containing a JSON structure for batch deletion (optional). If set to '-', read from stdin."
    )
    var filePath: String?

    @OptionGroup var options: AdminOptions

    func validate() throws {
        if filePath == nil, (entryID ?? "").isEmpty {
            throw CLIError("an entry ID is required")
        }
    }

    /// The IDs to delete: those of the `-file` document when given, else `-entryID`.
    func ids() throws(CLIError) -> [String] {
        if let filePath {
            return try EntryDeleteFile.parse(InputFile.read(filePath), source: InputFile.displayName(filePath))
        }
        return [entryID ?? ""]
    }

    func run() async throws {
        let ids = try ids()
        var response = Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse()
        response.results = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            let client = SPIREEntryClient(wrapping: grpc)
            return try await EntryBatches.send(ids) { batch in
                var request = Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest()
                request.ids = batch
                return try await client.batchDeleteEntry(request).results
            }
        }
        let outcome = EntryDeleteOutcome(results: response.results.map { ($0.id, $0.status) }, ids: ids)
        switch options.output {
        case .pretty:
            Console.out(outcome.output)
            Console.err(outcome.errors)
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
        if outcome.failureCount > 0 {
            throw CLIError("failed to delete one or more entries")
        }
    }
}
