/// The syntax of a configuration file.
package enum ConfigFormat: Sendable, Hashable {
    /// HCL's native syntax, as in SPIRE's `server.conf`.
    case hcl
    /// JSON, in HCL's JSON mapping.
    case json

    /// Guesses the format: JSON when the first character other than whitespace (and a byte-order mark) is `{`.
    /// - Parameter bytes: The file's bytes.
    /// - Returns: ``json`` or ``hcl``.
    package static func detect(_ bytes: some Collection<UInt8>) -> ConfigFormat {
        var rest = bytes[...]
        if rest.starts(with: [0xEF, 0xBB, 0xBF]) {
            rest = rest.dropFirst(3)
        }
        let first = rest.first {
            !($0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n")
                || $0 == UInt8(ascii: "\r"))
        }
        return first == UInt8(ascii: "{") ? .json : .hcl
    }
}
