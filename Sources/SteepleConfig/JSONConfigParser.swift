/// Parses SPIRE's JSON configuration form (RFC 8259) into the same ``ConfigBody`` tree as HCL.
///
/// Mapping (HCL v1's JSON rules, which SPIRE uses):
/// - a member whose value is an object becomes a block with no labels: `"server": {…}` is `server { … }`;
/// - a member whose value is a non-empty array of objects becomes one block per element:
///   `"DataStore": [{"sql": […]}]` is `DataStore { sql { … } }`;
/// - any other member becomes an attribute; `null` members are skipped, as if absent.
///
/// Labels are not guessed at parse time: ``ConfigBody/blocks(_:labels:)`` folds nested unlabelled blocks into labels
/// (`DataStore { sql { … } }` reads as `DataStore "sql" { … }`), so both JSON shapes SPIRE accepts, nested objects
/// and lists of objects, read the same as HCL.
struct JSONConfigParser {
    private var source: ConfigSource

    /// Creates a parser over validated source bytes.
    init(_ source: ConfigSource) {
        self.source = source
    }

    /// Parses a JSON document whose top level is an object.
    /// - Throws: ``ConfigError/Code/syntax`` or ``ConfigError/Code/duplicateKey``.
    mutating func parseFile() throws(ConfigError) -> ConfigBody {
        skipWhitespace()
        guard source.peek() == UInt8(ascii: "{") else {
            throw ConfigError(
                code: .syntax, at: source.position, "expected \"{\" to start a JSON configuration, found \(found())")
        }
        let node = try parseValue(depth: 0)
        skipWhitespace()
        guard source.isAtEnd else {
            throw ConfigError(
                code: .syntax, at: source.position, "expected end of file after the top-level object, found \(found())")
        }
        guard case .object(let members) = node.kind else {
            throw ConfigError(code: .syntax, at: node.position, "expected an object at the top level")
        }
        return try Self.body(members, at: node.position)
    }

    // MARK: Mapping to the tree

    private static func body(_ members: [JSONNode.Member], at position: ConfigPosition) throws(ConfigError)
        -> ConfigBody
    {
        var entries: [ConfigBody.Entry] = []
        var keys = DuplicateKeyCheck()
        for member in members {
            var memberEntries: [ConfigBody.Entry] = []
            switch member.value.kind {
            case .null:
                continue
            case .object(let inner):
                let block = ConfigBlock(
                    type: member.key, body: try body(inner, at: member.value.position), position: member.position)
                memberEntries.append(.block(block))
            case .array(let elements) where !elements.isEmpty && elements.allSatisfy(\.isObject):
                for element in elements {
                    guard case .object(let inner) = element.kind else { continue }
                    let block = ConfigBlock(
                        type: member.key, body: try body(inner, at: element.position), position: element.position)
                    memberEntries.append(.block(block))
                }
            default:
                let attribute = ConfigAttribute(
                    key: member.key, value: try value(member.value), position: member.position)
                memberEntries.append(.attribute(attribute))
            }
            for entry in memberEntries {
                try keys.add(entry)
                entries.append(entry)
            }
        }
        return ConfigBody(entries: entries, position: position)
    }

    private static func value(_ node: JSONNode) throws(ConfigError) -> ConfigValue {
        switch node.kind {
        case .string(let text):
            return ConfigValue(.string(text), at: node.position)
        case .number(let literal):
            return ConfigValue(.number(literal: literal), at: node.position)
        case .bool(let flag):
            return ConfigValue(.bool(flag), at: node.position)
        case .null:
            throw ConfigError(code: .syntax, at: node.position, "null is not supported inside a list; remove it")
        case .array(let elements):
            var values: [ConfigValue] = []
            for element in elements {
                values.append(try value(element))
            }
            return ConfigValue(.list(values), at: node.position)
        case .object(let members):
            return ConfigValue(.object(try body(members, at: node.position)), at: node.position)
        }
    }

    // MARK: JSON syntax

    private mutating func skipWhitespace() {
        while let byte = source.peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t")
                || byte == UInt8(ascii: "\r")
        {
            source.advance()
        }
    }

    /// Names what is at the cursor for messages.
    private func found() -> String {
        guard let byte = source.peek() else { return "end of file" }
        if byte < 0x20 || byte >= 0x7F { return "byte 0x\(hex(byte))" }
        return "\"\(Character(Unicode.Scalar(byte)))\""
    }

    private mutating func expect(_ character: Unicode.Scalar, _ context: String) throws(ConfigError) {
        skipWhitespace()
        guard source.peek() == UInt8(ascii: character) else {
            throw ConfigError(
                code: .syntax, at: source.position, "expected \"\(character)\" \(context), found \(found())")
        }
        source.advance()
    }

    private mutating func parseValue(depth: Int) throws(ConfigError) -> JSONNode {
        skipWhitespace()
        let position = source.position
        if depth > ConfigParser.maxDepth {
            throw ConfigError(code: .syntax, at: position, "nesting is deeper than \(ConfigParser.maxDepth) levels")
        }
        switch source.peek() {
        case UInt8(ascii: "{"):
            source.advance()
            var members: [JSONNode.Member] = []
            skipWhitespace()
            if source.peek() == UInt8(ascii: "}") {
                source.advance()
                return JSONNode(kind: .object(members), position: position)
            }
            while true {
                skipWhitespace()
                let keyPosition = source.position
                guard source.peek() == UInt8(ascii: "\"") else {
                    throw ConfigError(
                        code: .syntax, at: keyPosition,
                        "expected a quoted key in the object opened at \(position), found \(found())")
                }
                let key = try parseString()
                try expect(":", "after key \"\(key)\"")
                let value = try parseValue(depth: depth + 1)
                members.append(JSONNode.Member(key: key, position: keyPosition, value: value))
                skipWhitespace()
                if source.peek() == UInt8(ascii: ",") {
                    source.advance()
                    continue
                }
                try expect("}", "or \",\" in the object opened at \(position)")
                return JSONNode(kind: .object(members), position: position)
            }
        case UInt8(ascii: "["):
            source.advance()
            var elements: [JSONNode] = []
            skipWhitespace()
            if source.peek() == UInt8(ascii: "]") {
                source.advance()
                return JSONNode(kind: .array(elements), position: position)
            }
            while true {
                elements.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                if source.peek() == UInt8(ascii: ",") {
                    source.advance()
                    continue
                }
                try expect("]", "or \",\" in the array opened at \(position)")
                return JSONNode(kind: .array(elements), position: position)
            }
        case UInt8(ascii: "\""):
            return JSONNode(kind: .string(try parseString()), position: position)
        case UInt8(ascii: "-"), .some(UInt8(ascii: "0")...UInt8(ascii: "9")):
            return JSONNode(kind: .number(try parseNumber()), position: position)
        default:
            for (word, kind) in [("true", JSONNode.Kind.bool(true)), ("false", .bool(false)), ("null", .null)]
            where source.bytes[source.offset...].starts(with: word.utf8) {
                source.advance(by: word.utf8.count)
                return JSONNode(kind: kind, position: position)
            }
            throw ConfigError(code: .syntax, at: position, "expected a JSON value, found \(found())")
        }
    }

    private mutating func parseNumber() throws(ConfigError) -> String {
        let start = source.position
        let begin = source.offset
        func digits(_ source: inout ConfigSource) -> Int {
            var count = 0
            while let byte = source.peek(), ConfigLexer.isDigit(byte) {
                source.advance()
                count += 1
            }
            return count
        }
        if source.peek() == UInt8(ascii: "-") { source.advance() }
        var valid: Bool
        if source.peek() == UInt8(ascii: "0") {
            source.advance()
            valid = !(source.peek().map(ConfigLexer.isDigit) ?? false)
        } else {
            valid = digits(&source) > 0
        }
        if valid, source.peek() == UInt8(ascii: ".") {
            source.advance()
            valid = digits(&source) > 0
        }
        if valid, let e = source.peek(), e | 0x20 == UInt8(ascii: "e") {
            source.advance()
            if let sign = source.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { source.advance() }
            valid = digits(&source) > 0
        }
        guard valid else {
            throw ConfigError(
                code: .syntax, at: start, "malformed JSON number \"\(source.text(begin..<source.offset))\"")
        }
        return source.text(begin..<source.offset)
    }

    private mutating func parseString() throws(ConfigError) -> String {
        let start = source.position
        source.advance()
        var scalars = String.UnicodeScalarView()
        var bytes: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: bytes, as: UTF8.self).unicodeScalars)
            bytes.removeAll()
        }
        while true {
            guard let byte = source.peek() else {
                throw ConfigError(
                    code: .syntax, at: start, "string is not closed; expected a closing quote before end of file")
            }
            if byte < 0x20 {
                throw ConfigError(
                    code: .syntax, at: source.position,
                    "control character 0x\(hex(byte)) in a string; escape it, as in \\n")
            }
            source.advance()
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush()
                scalars.append(try parseEscape())
            default:
                bytes.append(byte)
            }
        }
    }

    private mutating func parseEscape() throws(ConfigError) -> Unicode.Scalar {
        let position = source.position
        guard let escaped = source.peek() else {
            throw ConfigError(
                code: .syntax, at: position, "string is not closed; expected a closing quote before end of file")
        }
        source.advance()
        switch escaped {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try parseHex4(at: position)
            if (0xD800..<0xDC00).contains(high), source.peek() == UInt8(ascii: "\\"),
                source.peek(1) == UInt8(ascii: "u")
            {
                source.advance(by: 2)
                let low = try parseHex4(at: position)
                if (0xDC00..<0xE000).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                {
                    return scalar
                }
            }
            guard let scalar = Unicode.Scalar(high) else {
                throw ConfigError(
                    code: .syntax, at: position, "escape \\u\(String(high, radix: 16)) is an unpaired surrogate")
            }
            return scalar
        default:
            throw ConfigError(
                code: .syntax, at: position,
                "unknown escape \"\\\(Character(Unicode.Scalar(escaped)))\"; "
                    + "expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"
            )
        }
    }

    private mutating func parseHex4(at position: ConfigPosition) throws(ConfigError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = source.peek().flatMap(hexValue) else {
                throw ConfigError(code: .syntax, at: position, "escape \\u needs 4 hex digits")
            }
            value = value << 4 | UInt32(digit)
            source.advance()
        }
        return value
    }
}

/// A parsed JSON value with its position, before mapping to the configuration tree.
private struct JSONNode {
    struct Member {
        var key: String
        var position: ConfigPosition
        var value: JSONNode
    }

    indirect enum Kind {
        case object([Member])
        case array([JSONNode])
        case string(String)
        case number(String)
        case bool(Bool)
        case null
    }

    var kind: Kind
    var position: ConfigPosition

    var isObject: Bool {
        if case .object = kind { true } else { false }
    }
}
