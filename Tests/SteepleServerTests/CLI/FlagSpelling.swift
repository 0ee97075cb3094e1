/// Test helper: SPIRE's single-dash arguments and the same arguments with double-dash flags.
enum FlagSpelling {
    /// `["-spiffeID", "spiffe://x"]` → `["--spiffeID", "spiffe://x"]`; values (which never start with `-` here)
    /// are kept.
    static func doubleDash(_ arguments: [String]) -> [String] {
        arguments.map { $0.hasPrefix("-") && !$0.hasPrefix("--") ? "-" + $0 : $0 }
    }

    /// Both spellings, for tests that parse each.
    static func both(_ arguments: [String]) -> [[String]] {
        [arguments, doubleDash(arguments)]
    }
}
