import ArgumentParser
import SteepleCLI
import SPIREAPIProto

/// `entry create`: creates registration entries (SPIRE's `BatchCreateEntry`).
struct EntryCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Creates registration entries"
    )

    @OptionGroup var fields: EntryFieldOptions

    @Flag(name: .spire("node"), help: "If set, this entry will be applied to matching nodes rather than workloads")
    var node = false

    @OptionGroup var options: AdminOptions

    func validate() throws {
        if fields.dataPath == nil {
            _ = try fields.entry(node: node, purpose: .create)
        }
    }

    func run() async throws {
        try await EntryBatchOutcome.run(
            verb: "create", entries: try fields.entries(node: node, purpose: .create), options: options,
            call: { client, batch in
                var request = Spire_Api_Server_Entry_V1_BatchCreateEntryRequest()
                request.entries = batch
                return try await client.batchCreateEntry(request).results
            },
            response: { results in
                var response = Spire_Api_Server_Entry_V1_BatchCreateEntryResponse()
                response.results = results
                return response
            })
    }
}
