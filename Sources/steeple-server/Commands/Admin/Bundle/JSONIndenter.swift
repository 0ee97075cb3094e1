/// Re-indents JSON text without re-encoding it, as Go's `json.Indent`: one member or element per line, `": "`
/// after keys, and empty objects and arrays kept as `{}` and `[]`. SPIRE prints SPIFFE bundles this way with a
/// four-space indent.
enum JSONIndenter {
    /// The indented text; input that is not JSON comes out re-spaced but otherwise unchanged.
    static func indent(_ json: some Collection<UInt8>, by unit: String = "    ") -> String {
        let bytes = Array(json)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        let unitBytes = Array(unit.utf8)
        var depth = 0
        var inString = false
        var escaped = false
        var index = 0

        func newline() {
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<depth { out += unitBytes }
        }

        func nextSignificant(after position: Int) -> UInt8? {
            var next = position + 1
            while next < bytes.count, isSpace(bytes[next]) { next += 1 }
            return next < bytes.count ? bytes[next] : nil
        }

        while index < bytes.count {
            let byte = bytes[index]
            defer { index += 1 }
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if nextSignificant(after: index) == close {
                    // Empty: keep compact and skip to the closing bracket.
                    while index + 1 < bytes.count, bytes[index + 1] != close { index += 1 }
                    index += 1
                    out.append(close)
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(byte)
                out.append(UInt8(ascii: " "))
            case _ where isSpace(byte):
                break
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
