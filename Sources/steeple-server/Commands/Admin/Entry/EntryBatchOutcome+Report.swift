import SPIREAPIProto
import SwiftProtobuf

extension EntryBatchOutcome {
    /// Prints the outcome of a batch create or update in the chosen format.
    ///
    /// - Throws: ``CLIError`` `failed to <verb> one or more entries` when the server rejected any entry, so the
    ///   command exits with status 1 (in both formats).
    static func report(
        verb: String,
        sent: [Spire_Api_Types_Entry],
        results: [EntryResult],
        format: OutputFormat,
        json: ([EntryResult]) throws(CLIError) -> String
    ) throws(CLIError) {
        let outcome = EntryBatchOutcome(verb: verb, sent: sent, results: results)
        switch format {
        case .pretty:
            Console.out(outcome.output)
            Console.err(outcome.errors)
        case .json:
            Console.out(try json(filledResults(sent: sent, results: results)))
        }
        if outcome.failureCount > 0 {
            throw CLIError("failed to \(verb) one or more entries")
        }
    }
}

/// An item of `BatchCreateEntryResponse` or `BatchUpdateEntryResponse`.
protocol EntryBatchResultMessage: SwiftProtobuf.Message {
    var status: Spire_Api_Types_Status { get set }
    var entry: Spire_Api_Types_Entry { get set }
}

extension Spire_Api_Server_Entry_V1_BatchCreateEntryResponse.Result: EntryBatchResultMessage {}
extension Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse.Result: EntryBatchResultMessage {}

extension EntryBatchOutcome {
    /// `entry create` and `entry update`: sends `entries` in batches with `call`, then reports as SPIRE does, the JSON
    /// being the response `response` builds from the items (failed ones carrying the entry sent).
    static func run<Item: EntryBatchResultMessage>(
        verb: String,
        entries: [Spire_Api_Types_Entry],
        options: AdminOptions,
        call: @escaping @Sendable (SPIREEntryClient, [Spire_Api_Types_Entry]) async throws -> [Item],
        response: @escaping ([Item]) -> any SwiftProtobuf.Message
    ) async throws {
        let items = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            let client = SPIREEntryClient(wrapping: grpc)
            return try await EntryBatches.send(entries) { batch in try await call(client, batch) }
        }
        let results = items.map { EntryResult(status: $0.status, entry: $0.entry) }
        try report(verb: verb, sent: entries, results: results, format: options.output) { (filled) throws(CLIError) in
            let messages = filled.map { result -> Item in
                var item = Item()
                item.status = result.status
                item.entry = result.entry
                return item
            }
            do {
                return try SPIREJSON.line(response(messages))
            } catch {
                throw CLIError("cannot encode the response as JSON: \(error)")
            }
        }
    }
}
