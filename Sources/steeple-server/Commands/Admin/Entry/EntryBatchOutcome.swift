import SPIREAPIProto

/// The printed outcome of a batch create or update: SPIRE prints the entries that succeeded on stdout, then each
/// failure on stderr with the entry that was sent (the server may not echo a rejected entry).
struct EntryBatchOutcome {
    /// Text for stdout.
    var output: String
    /// Text for stderr.
    var errors: String
    /// How many entries the server rejected.
    var failureCount: Int

    /// - Parameters:
    ///   - verb: `create` or `update`, as in `Failed to create the following entry`.
    ///   - sent: the entries of the request, in order.
    ///   - results: the server's per-entry results, in the request's order.
    init(verb: String, sent: [Spire_Api_Types_Entry], results: [EntryResult]) {
        output = ""
        errors = ""
        failureCount = 0
        var failures: [(Spire_Api_Types_Status, Spire_Api_Types_Entry)] = []
        for (index, result) in results.enumerated() {
            if result.status.code == 0 {
                output += EntryPrinter.block(result.entry)
            } else {
                failures.append((result.status, index < sent.count ? sent[index] : result.entry))
            }
        }
        for (status, entry) in failures {
            errors += EntryPrinter.failureHeader(verb: verb, status: status) + EntryPrinter.block(entry)
        }
        failureCount = failures.count
    }

    /// The results with the sent entry in place of each rejected one, for `-output json` (as SPIRE does).
    static func filledResults(
        sent: [Spire_Api_Types_Entry],
        results: [EntryResult]
    ) -> [EntryResult] {
        results.enumerated().map { index, result in
            var result = result
            if result.status.code != 0, index < sent.count {
                result.entry = sent[index]
            }
            return result
        }
    }
}

/// One item of SPIRE's `BatchCreateEntry` / `BatchUpdateEntry` answers (two message types of the same shape).
struct EntryResult {
    var status = Spire_Api_Types_Status()
    var entry = Spire_Api_Types_Entry()
}
