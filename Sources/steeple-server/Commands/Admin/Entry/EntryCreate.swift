import ArgumentParser
import SteepleCLI
import SteepleServerAPIProto

/// `entry create`: creates registration entries (`CreateEntries`).
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
        fields.warnAboutFlagsWithoutEffect()
        var request = Steeple_Server_V1_CreateEntriesRequest()
        request.entries = try fields.entries(node: node, purpose: .create)
        let sent = request
        let results = try await withAdminClient(socketPath: options.socketPath) { client in
            try await EntryBatches.send(sent.entries) { batch in
                var request = Steeple_Server_V1_CreateEntriesRequest()
                request.entries = batch
                return try await client.createEntries(request).results
            }
        }
        try EntryBatchOutcome.report(
            verb: "create",
            sent: sent.entries,
            results: results,
            format: options.output
        )
    }
}
