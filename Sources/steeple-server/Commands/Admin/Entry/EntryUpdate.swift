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
        // As SPIRE's CLI: an additional-attribute flag on the command line changes that attribute only, so the other
        // one is read from the stored entry first (the message has no per-field mask; without the flags, both reset).
        let mergeAttributes = fields.dataPath == nil && (fields.jwtSVIDIncludeJTI || fields.disableX509SVIDPrefetch)
        let (jti, prefetch) = (fields.jwtSVIDIncludeJTI, fields.disableX509SVIDPrefetch)
        try await EntryBatchOutcome.run(
            verb: "update", entries: try fields.entries(node: false, purpose: .update), options: options,
            call: { client, batch in
                var request = Spire_Api_Server_Entry_V1_BatchUpdateEntryRequest()
                request.entries = batch
                if mergeAttributes, var entry = batch.first {
                    var get = Spire_Api_Server_Entry_V1_GetEntryRequest()
                    get.id = entry.id
                    // An entry that cannot be read is left as sent: the update then reports it.
                    if let existing = try? await client.getEntry(get).additionalAttributes {
                        entry.additionalAttributes.jwtSvidIncludeJti = jti || existing.jwtSvidIncludeJti
                        entry.additionalAttributes.disableX509SvidPrefetch = prefetch || existing.disableX509SvidPrefetch
                    }
                    request.entries = [entry]
                }
                return try await client.batchUpdateEntry(request).results
            },
            response: { results in
                var response = Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse()
                response.results = results
                return response
            })
    }
}
