import Foundation

/// The version both executables print for `--version`, `-version` and `-v` given alone, as SPIRE's CLI does.
public enum SteepleVersion {
    public static let current = "0.1.0"

    /// The spellings SPIRE's CLI (mitchellh/cli) takes for its version, when they are the only argument.
    public static let flags: Set<String> = ["-v", "-version", "--version"]

    /// Prints the version and exits 0 when `arguments` (without the executable) is one of ``flags``.
    public static func exitIfRequested(_ arguments: [String]) {
        guard arguments.count == 1, flags.contains(arguments[0]) else { return }
        print(current)
        exit(0)
    }
}
