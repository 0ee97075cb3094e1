/// `$VAR` and `${VAR}` in a configuration file's text, as `-expandEnv` expands them in SPIRE's server and agent.
package enum EnvironmentExpansion {
    /// Expands `$VAR` and `${VAR}` in a configuration file's text, as `-expandEnv` does in SPIRE (Go's `os.Expand`
    /// with SPIRE's `config.ExpandEnv` mapping).
    ///
    /// - `${NAME}` takes everything up to the next `}` as the name; `$NAME` takes letters, digits and `_`.
    /// - `$$` stands for a literal `$`; other one-character shell names (`$1`, `$*`, `$#`, `$@`, `$!`, `$?`, `$-`) are
    ///   looked up like any name.
    /// - An unset variable expands to the empty string.
    /// - A `$` followed by anything else (a space, `.`, the end of the text) is kept; `${}` and an unterminated
    ///   `${` are removed, as Go does.
    ///
    /// The library never reads the process environment itself: the executable passes it in.
    /// - Parameters:
    ///   - text: The file's text.
    ///   - environment: The variables, usually `ProcessInfo.processInfo.environment`.
    /// - Returns: The expanded text.
    package static func expand(_ text: String, environment: [String: String]) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "$"), index + 1 < bytes.count else {
                output.append(byte)
                index += 1
                continue
            }
            let (name, width) = shellName(bytes[(index + 1)...])
            if let name {
                let value = name == "$" ? "$" : environment[name] ?? ""
                output.append(contentsOf: value.utf8)
            } else if width == 0 {
                output.append(byte)
            }
            index += 1 + width
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The variable name after a `$` and how many bytes it spans (Go's `getShellName`); a `nil` name with a non-zero
    /// width is bad syntax to drop, with zero width a `$` to keep.
    private static func shellName(_ rest: ArraySlice<UInt8>) -> (String?, Int) {
        let start = rest.startIndex
        if rest[start] == UInt8(ascii: "{") {
            if rest.count > 2, isShellSpecial(rest[start + 1]), rest[start + 2] == UInt8(ascii: "}") {
                return (String(decoding: rest[(start + 1)...(start + 1)], as: UTF8.self), 3)
            }
            var offset = 1
            while start + offset < rest.endIndex {
                if rest[start + offset] == UInt8(ascii: "}") {
                    if offset == 1 { return (nil, 2) }
                    return (String(decoding: rest[(start + 1)..<(start + offset)], as: UTF8.self), offset + 1)
                }
                offset += 1
            }
            return (nil, 1)
        }
        if isShellSpecial(rest[start]) {
            return (String(decoding: rest[start...start], as: UTF8.self), 1)
        }
        var end = start
        while end < rest.endIndex, isNameByte(rest[end]) {
            end += 1
        }
        return end == start ? (nil, 0) : (String(decoding: rest[start..<end], as: UTF8.self), end - start)
    }

    private static func isShellSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "*"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "@"), UInt8(ascii: "!"),
            UInt8(ascii: "?"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
