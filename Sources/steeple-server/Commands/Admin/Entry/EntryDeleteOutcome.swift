import SPIREAPIProto

/// The printed outcome of `entry delete`, as SPIRE prints it:
///
/// ```
/// Deleted entry with ID: 1a2b…
///
///
/// Deleted 1 entries successfully
/// ```
///
/// Each rejected ID goes to stderr as `Failed to delete entry with ID x (code: NotFound, msg: "entry not found")`,
/// and the summary becomes `Deleted 1 entries successfully, but failed to delete 1 entries` (or
/// `Failed to delete 1 entries`). Unlike SPIRE, the summary ends with a newline.
struct EntryDeleteOutcome {
    var output: String
    var errors: String
    var failureCount: Int

    init(results: [(id: String, status: Spire_Api_Types_Status)], ids: [String]) {
        var succeeded: [String] = []
        var failed: [(String, Spire_Api_Types_Status)] = []
        for (index, result) in results.enumerated() {
            let id = result.id.isEmpty && index < ids.count ? ids[index] : result.id
            if result.status.code == 0 {
                succeeded.append(id)
            } else {
                failed.append((id, result.status))
            }
        }
        output = succeeded.map { "Deleted entry with ID: \($0)\n" }.joined()
        if !succeeded.isEmpty {
            output += "\n\n"
        }
        errors = failed.map { id, status in
            "Failed to delete entry with ID \(id) (code: \(GRPCStatusName.name(of: status.code)), msg: \(GoFormatting.quoted(status.message)))\n"
        }.joined()
        if failed.isEmpty {
            output += "Deleted \(succeeded.count) entries successfully\n"
        } else {
            output += "\n\n"
            output += succeeded.isEmpty
                ? "Failed to delete \(failed.count) entries\n"
                : "Deleted \(succeeded.count) entries successfully, but failed to delete \(failed.count) entries\n"
        }
        failureCount = failed.count
    }
}
