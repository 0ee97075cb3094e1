import ArgumentParser

/// The `-output` flag of every admin command, as SPIRE's `cliprinter`: `pretty` text or `json`.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    /// SPIRE's human-readable text.
    case pretty
    /// The protobuf JSON of the response messages, with the proto field names.
    case json
}
