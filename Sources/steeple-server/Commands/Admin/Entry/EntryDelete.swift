import ArgumentParser
import SteepleCLI
import SteepleServerAPIProto

/// `entry delete`: deletes registration entries by ID (`DeleteEntries`).
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
        var request = Steeple_Server_V1_DeleteEntriesRequest()
        request.ids = try ids()
        let sent = request
        var response = Steeple_Server_V1_DeleteEntriesResponse()
        response.results = try await withAdminClient(socketPath: options.socketPath) { client in
            try await EntryBatches.send(sent.ids) { batch in
                var request = Steeple_Server_V1_DeleteEntriesRequest()
                request.ids = batch
                return try await client.deleteEntries(request).results
            }
        }
        let outcome = EntryDeleteOutcome(results: response.results, ids: sent.ids)
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
