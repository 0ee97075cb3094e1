import ArgumentParser
import SteepleServerAPIProto

/// `entry update`: replaces registration entries by ID (`UpdateEntries`). As in SPIRE, every field is replaced,
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
        var request = Steeple_Server_V1_UpdateEntriesRequest()
        request.entries = try fields.entries(node: false, purpose: .update)
        let sent = request
        let results = try await withAdminClient(socketPath: options.socketPath) { client in
            try await EntryBatches.send(sent.entries) { batch in
                var request = Steeple_Server_V1_UpdateEntriesRequest()
                request.entries = batch
                return try await client.updateEntries(request).results
            }
        }
        try EntryBatchOutcome.report(
            verb: "update",
            sent: sent.entries,
            results: results,
            format: options.output
        )
    }
}
