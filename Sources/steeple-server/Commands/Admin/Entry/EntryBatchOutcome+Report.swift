import SteepleServerAPIProto

extension EntryBatchOutcome {
    /// Prints the outcome of a batch create or update in the chosen format.
    ///
    /// - Throws: ``CLIError`` `failed to <verb> one or more entries` when the server rejected any entry, so the
    ///   command exits with status 1 (in both formats).
    static func report(
        verb: String,
        sent: [Steeple_Server_V1_Entry],
        results: [Steeple_Server_V1_EntryResult],
        format: OutputFormat
    ) throws(CLIError) {
        let outcome = EntryBatchOutcome(verb: verb, sent: sent, results: results)
        switch format {
        case .pretty:
            Console.out(outcome.output)
            Console.err(outcome.errors)
        case .json:
            var response = Steeple_Server_V1_CreateEntriesResponse()
            response.results = filledResults(sent: sent, results: results)
            Console.out(try ProtoJSON.line(response))
        }
        if outcome.failureCount > 0 {
            throw CLIError("failed to \(verb) one or more entries")
        }
    }
}
