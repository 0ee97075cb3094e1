/// A small XML reader for AWS Query API responses (EC2, IAM): elements, text and the predefined and numeric entities.
/// Attributes are skipped, and the declaration, comments and CDATA sections are tolerated; no DTDs.
struct SimpleXML: Sendable, Hashable {
    let name: String
    let children: [SimpleXML]
    let text: String

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The first child named `name`.
    func child(_ name: String) -> SimpleXML? { children.first { $0.name == name } }

    /// The text of the child at `path`, such as `["attachment", "deviceIndex"]`.
    func value(_ path: String...) -> String? {
        var node = self
        for name in path {
            guard let next = node.child(name) else { return nil }
            node = next
        }
        return node.text
    }

    /// The `<item>` children of the child named `name` (AWS's list form).
    func items(_ name: String) -> [SimpleXML] { child(name)?.children.filter { $0.name == "item" } ?? [] }

    /// Parses a document and returns its root element.
    static func parse(_ bytes: [UInt8]) throws(Malformed) -> SimpleXML {
        var reader = Reader(bytes: bytes)
        reader.skipMisc()
        let root = try reader.element()
        return root
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func startsWith(_ text: String) -> Bool {
            let pattern = Array(text.utf8)
            return index + pattern.count <= bytes.count && Array(bytes[index..<index + pattern.count]) == pattern
        }

        mutating func skip(past text: String) throws(Malformed) {
            let pattern = Array(text.utf8)
            while index + pattern.count <= bytes.count {
                if Array(bytes[index..<index + pattern.count]) == pattern { index += pattern.count; return }
                index += 1
            }
            throw Malformed(description: "unterminated construct, no \(text)")
        }

        /// Whitespace, the declaration, comments and processing instructions before or between elements.
        mutating func skipMisc() {
            while index < bytes.count {
                if bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1; continue }
                if startsWith("<?") { _ = try? skip(past: "?>"); continue }
                if startsWith("<!--") { _ = try? skip(past: "-->"); continue }
                break
            }
        }

        mutating func element() throws(Malformed) -> SimpleXML {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { throw Malformed(description: "expected an element at byte \(index)") }
            index += 1
            let nameStart = index
            while index < bytes.count, ![0x20, 0x0A, 0x0D, 0x09, UInt8(ascii: ">"), UInt8(ascii: "/")].contains(bytes[index]) { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
            // Attributes: skipped up to the end of the tag (values may not hold '>', true of AWS's xmlns).
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") { index += 1 }
            guard index < bytes.count else { throw Malformed(description: "unterminated tag <\(name)") }
            if bytes[index - 1] == UInt8(ascii: "/") {
                index += 1
                return SimpleXML(name: name, children: [], text: "")
            }
            index += 1
            var children: [SimpleXML] = []
            var text: [UInt8] = []
            while true {
                guard index < bytes.count else { throw Malformed(description: "unterminated element <\(name)>") }
                if startsWith("</") {
                    try skip(past: ">")
                    return SimpleXML(name: name, children: children, text: try Self.decodeEntities(text))
                } else if startsWith("<!--") {
                    try skip(past: "-->")
                } else if startsWith("<![CDATA[") {
                    index += 9
                    let start = index
                    try skip(past: "]]>")
                    text += bytes[start..<index - 3]
                } else if bytes[index] == UInt8(ascii: "<") {
                    children.append(try element())
                } else {
                    text.append(bytes[index])
                    index += 1
                }
            }
        }

        static func decodeEntities(_ raw: [UInt8]) throws(Malformed) -> String {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.contains("&") else { return text }
            var result = ""
            var rest = Substring(text)
            while let amp = rest.firstIndex(of: "&") {
                result += rest[..<amp]
                guard let semicolon = rest[amp...].firstIndex(of: ";") else { throw Malformed(description: "unterminated entity") }
                let entity = rest[rest.index(after: amp)..<semicolon]
                switch entity {
                case "amp": result += "&"
                case "lt": result += "<"
                case "gt": result += ">"
                case "quot": result += "\""
                case "apos": result += "'"
                default:
                    let scalar: UInt32? = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                    guard let scalar, let character = Unicode.Scalar(scalar) else { throw Malformed(description: "unknown entity &\(entity);") }
                    result.unicodeScalars.append(character)
                }
                rest = rest[rest.index(after: semicolon)...]
            }
            return result + rest
        }
    }
}
