import ArgumentParser
import SPIREAPIProto

/// `entry update`: replaces registration entries by ID (SPIRE's `BatchUpdateEntry`, no mask). As in SPIRE, every field is replaced,
/// so flags left out reset the field to its default.
struct EntryUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Updates registration entries"
    )

    @OptionGroup var fields: EntryFieldOptions

    @OptionGroup var options: AdminOptions

    func validate() throws {
        if fields.dataPath == nil {
            _ = try fields.entry(node: false, purpose: .update)
        }
    }

    func run() async throws {
        fields.warnAboutFlagsWithoutEffect()
        try await EntryBatchOutcome.run(
            verb: "update", entries: try fields.entries(node: false, purpose: .update), options: options,
            call: { client, batch in
                var request = Spire_Api_Server_Entry_V1_BatchUpdateEntryRequest()
                request.entries = batch
                return try await client.batchUpdateEntry(request).results
            },
            response: { results in
                var response = Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse()
                response.results = results
                return response
            })
    }
}
