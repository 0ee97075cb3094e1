/// Splits HCL's native syntax into tokens, skipping whitespace, newlines and `#`, `//` and `/* */` comments.
///
/// Newlines are not significant: like HCL v1, which SPIRE uses, `a = 1 b = 2` is two attributes.
struct ConfigLexer {
    private var source: ConfigSource

    /// Creates a lexer over validated source bytes.
    init(_ source: ConfigSource) {
        self.source = source
    }

    /// Reads the next token.
    /// - Throws: ``ConfigError/Code/syntax`` for an unterminated string, comment or heredoc, a bad escape, a malformed
    ///   number or a character that starts no token.
    mutating func next() throws(ConfigError) -> ConfigToken {
        try skipTrivia()
        let start = source.position
        guard let byte = source.peek() else {
            return ConfigToken(kind: .end, position: start)
        }
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: ","):
            source.advance()
            return ConfigToken(kind: .punctuation(byte), position: start)
        case UInt8(ascii: "\""):
            return ConfigToken(kind: .string(try scanString()), position: start)
        case UInt8(ascii: "<") where source.peek(1) == UInt8(ascii: "<"):
            return ConfigToken(kind: .heredoc(try scanHeredoc()), position: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return ConfigToken(kind: .number(try scanNumber()), position: start)
        default:
            if Self.isIdentifierStart(byte) {
                let begin = source.offset
                while let next = source.peek(), Self.isIdentifierPart(next) {
                    source.advance()
                }
                return ConfigToken(kind: .identifier(source.text(begin..<source.offset)), position: start)
            }
            throw ConfigError(
                code: .syntax, at: start,
                "unexpected character \(describe(at: source.offset)); expected a key, a value or a comment")
        }
    }

    // MARK: Trivia

    private mutating func skipTrivia() throws(ConfigError) {
        while let byte = source.peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                source.advance()
            case UInt8(ascii: "#"):
                skipLine()
            case UInt8(ascii: "/") where source.peek(1) == UInt8(ascii: "/"):
                skipLine()
            case UInt8(ascii: "/") where source.peek(1) == UInt8(ascii: "*"):
                let start = source.position
                source.advance(by: 2)
                while true {
                    guard let next = source.peek() else {
                        throw ConfigError(
                            code: .syntax, at: start, "comment \"/*\" is not closed; expected \"*/\" before end of file"
                        )
                    }
                    if next == UInt8(ascii: "*") && source.peek(1) == UInt8(ascii: "/") {
                        source.advance(by: 2)
                        break
                    }
                    source.advance()
                }
            default:
                return
            }
        }
    }

    private mutating func skipLine() {
        while let byte = source.peek(), byte != UInt8(ascii: "\n") {
            source.advance()
        }
    }

    // MARK: Identifiers and numbers

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func scanDigits(hex: Bool = false) -> Int {
        var count = 0
        while let byte = source.peek(),
            Self.isDigit(byte) || (hex && ((byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "f")))
        {
            source.advance()
            count += 1
        }
        return count
    }

    /// Scans `-?digits(.digits)?([eE][+-]?digits)?` or `-?0x hexdigits`; a letter right after is an error.
    private mutating func scanNumber() throws(ConfigError) -> String {
        let start = source.position
        let begin = source.offset
        if source.peek() == UInt8(ascii: "-") {
            source.advance()
        }
        var valid = true
        if source.peek() == UInt8(ascii: "0"), let x = source.peek(1), x | 0x20 == UInt8(ascii: "x") {
            source.advance(by: 2)
            valid = scanDigits(hex: true) > 0
        } else {
            valid = scanDigits() > 0
            if valid, source.peek() == UInt8(ascii: "."), let after = source.peek(1), Self.isDigit(after) {
                source.advance()
                _ = scanDigits()
            }
            if valid, let e = source.peek(), e | 0x20 == UInt8(ascii: "e") {
                source.advance()
                if let sign = source.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    source.advance()
                }
                valid = scanDigits() > 0
            }
        }
        var trailing = false
        while let byte = source.peek(), Self.isIdentifierPart(byte) {
            trailing = true
            source.advance()
        }
        let literal = source.text(begin..<source.offset)
        if trailing && valid {
            throw ConfigError(
                code: .syntax, at: start, "\"\(literal)\" is not a number; quote text values, as in \"\(literal)\"")
        }
        if !valid || trailing {
            throw ConfigError(
                code: .syntax, at: start, "malformed number \"\(literal)\"; expected digits such as 8081, -1 or 0.5")
        }
        return literal
    }

    /// Names the character at `offset` for messages.
    private func describe(at offset: Int) -> String {
        var end = offset + 1
        while end < source.bytes.count && source.bytes[end] & 0xC0 == 0x80 {
            end += 1
        }
        let byte = source.bytes[offset]
        if byte < 0x20 || byte == 0x7F {
            return "0x\(hex(byte))"
        }
        return "\"\(source.text(offset..<end))\""
    }
}

extension ConfigLexer {
    /// Scans a quoted string: escapes outside `${…}` are resolved, text inside `${…}` is kept as written.
    private mutating func scanString() throws(ConfigError) -> String {
        let start = source.position
        source.advance()
        var bytes: [UInt8] = []
        var braces = 0
        while true {
            guard let byte = source.peek(), braces > 0 || byte != UInt8(ascii: "\n") else {
                throw ConfigError(
                    code: .syntax, at: start,
                    "string is not closed; expected a closing quote before the end of the line")
            }
            if braces > 0 {
                if byte == UInt8(ascii: "{") { braces += 1 }
                if byte == UInt8(ascii: "}") { braces -= 1 }
                bytes.append(byte)
                source.advance()
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                source.advance()
                return String(decoding: bytes, as: UTF8.self)
            case UInt8(ascii: "$") where source.peek(1) == UInt8(ascii: "{"):
                braces = 1
                bytes.append(contentsOf: [byte, UInt8(ascii: "{")])
                source.advance(by: 2)
            case UInt8(ascii: "\\"):
                try scanEscape(into: &bytes)
            default:
                bytes.append(byte)
                source.advance()
            }
        }
    }

    private mutating func scanEscape(into bytes: inout [UInt8]) throws(ConfigError) {
        let start = source.position
        source.advance()
        guard let escaped = source.peek(), escaped != UInt8(ascii: "\n") else {
            throw ConfigError(
                code: .syntax, at: start, "string is not closed; expected a closing quote before the end of the line")
        }
        source.advance()
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"),
            UInt8(ascii: "n"): UInt8(ascii: "\n"), UInt8(ascii: "t"): UInt8(ascii: "\t"),
            UInt8(ascii: "r"): UInt8(ascii: "\r"), UInt8(ascii: "a"): 0x07, UInt8(ascii: "b"): 0x08,
            UInt8(ascii: "f"): 0x0C, UInt8(ascii: "v"): 0x0B, UInt8(ascii: "/"): UInt8(ascii: "/"),
        ]
        if let replacement = simple[escaped] {
            bytes.append(replacement)
            return
        }
        let digits: Int
        switch escaped {
        case UInt8(ascii: "u"): digits = 4
        case UInt8(ascii: "U"): digits = 8
        default:
            throw ConfigError(
                code: .syntax, at: start,
                "unknown escape \"\\\(Character(Unicode.Scalar(escaped)))\"; "
                    + "expected one of \\\" \\\\ \\n \\t \\r \\uXXXX"
            )
        }
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let digit = source.peek().flatMap(hexValue) else {
                throw ConfigError(
                    code: .syntax, at: start,
                    "escape \"\\\(Character(Unicode.Scalar(escaped)))\" needs \(digits) hex digits")
            }
            value = value << 4 | UInt32(digit)
            source.advance()
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw ConfigError(
                code: .syntax, at: start,
                "escape names U+\(String(value, radix: 16, uppercase: true)), which is not a Unicode scalar")
        }
        bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    /// Scans `<<EOF` or `<<-EOF`, a newline, lines, and a line holding only the marker.
    ///
    /// The text keeps the newline after each line. `<<-` removes the closing marker's indentation from each line
    /// when every non-empty line starts with it (HCL v1).
    private mutating func scanHeredoc() throws(ConfigError) -> String {
        let start = source.position
        source.advance(by: 2)
        let indented = source.peek() == UInt8(ascii: "-")
        if indented { source.advance() }
        let markerBegin = source.offset
        while let byte = source.peek(), Self.isIdentifierPart(byte) {
            source.advance()
        }
        let marker = Array(source.bytes[markerBegin..<source.offset])
        if source.peek() == UInt8(ascii: "\r") { source.advance() }
        guard !marker.isEmpty, source.peek() == UInt8(ascii: "\n") else {
            throw ConfigError(code: .syntax, at: start, "heredoc needs a marker and then a newline, as in <<EOF")
        }
        source.advance()
        var lines: [[UInt8]] = []
        while !source.isAtEnd {
            let lineBegin = source.offset
            while let byte = source.peek(), byte != UInt8(ascii: "\n") {
                source.advance()
            }
            var line = Array(source.bytes[lineBegin..<source.offset])
            source.advance()
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let indentation = line.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if Array(line.dropFirst(indentation.count)) == marker {
                return Self.heredocText(lines, stripping: indented ? Array(indentation) : [])
            }
            lines.append(line)
        }
        throw ConfigError(
            code: .syntax, at: start,
            "heredoc is not closed; expected a line holding only \"\(String(decoding: marker, as: UTF8.self))\"")
    }

    private static func heredocText(_ lines: [[UInt8]], stripping indentation: [UInt8]) -> String {
        var lines = lines
        if !indentation.isEmpty && lines.allSatisfy({ $0.isEmpty || $0.starts(with: indentation) }) {
            lines = lines.map { Array($0.dropFirst(min(indentation.count, $0.count))) }
        }
        var bytes: [UInt8] = []
        for line in lines {
            bytes.append(contentsOf: line)
            bytes.append(UInt8(ascii: "\n"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The value of a hex digit, or `nil`.
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
