import Foundation

/// The server's per-entry count limits (64 selectors, DNS names, federated trust domains), checked on the raw
/// command line of `entry create`/`entry update` before ArgumentParser sees it: its parsing of repeated options grows
/// with the square of their number (1,000 `-selector` flags took ~9 s in a debug build), so an oversized entry is
/// refused here at once, with the message the server would give.
enum EntryArgumentLimits {
    static let maximum = 64

    /// The refusal for `arguments` (without the program name), or nil when they are within the limits.
    static func violation(_ arguments: [String]) -> String? {
        guard arguments.count > 2 * maximum, arguments.first == "entry", ["create", "update"].contains(arguments.dropFirst().first) else {
            return nil
        }
        var counts: [String: Int] = [:]
        for argument in arguments where argument.hasPrefix("-") {
            let name = argument.drop { $0 == "-" }.prefix { $0 != "=" }
            counts[String(name), default: 0] += 1
        }
        for (flag, noun) in [("selector", "selectors"), ("dns", "DNS names"), ("federatesWith", "federated trust domains")] {
            if let count = counts[flag], count > maximum {
                return "entry has \(count) \(noun): at most \(maximum) are allowed"
            }
        }
        return nil
    }

    /// Prints the refusal as ArgumentParser prints errors and exits with status 1, if there is one.
    static func exitIfViolated(_ arguments: [String]) {
        guard let message = violation(arguments) else { return }
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        exit(1)
    }
}
