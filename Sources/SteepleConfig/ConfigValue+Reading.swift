extension ConfigValue {
    /// Reads a string; a number is read as its literal, as HCL v1 does (`ca_ttl = 0` reads as `"0"`).
    /// - Returns: The string.
    /// - Throws: ``ConfigError/Code/typeMismatch`` for a bool, list or object.
    package func asString() throws(ConfigError) -> String {
        try asString(for: nil)
    }

    /// Reads an integer from a number or from a string holding one (SPIRE's examples quote ports: `"8081"`).
    ///
    /// Decimal digits with an optional sign, or `0x` hexadecimal.
    /// - Returns: The integer.
    /// - Throws: ``ConfigError/Code/typeMismatch`` for a bool, list or object; ``ConfigError/Code/invalidValue`` for
    ///   text or a fraction that is not an integer, or one that overflows `Int`.
    package func asInt() throws(ConfigError) -> Int {
        try asInt(for: nil)
    }

    /// Reads a floating-point number from a number or from a string holding one.
    /// - Returns: The number.
    /// - Throws: ``ConfigError/Code/typeMismatch`` for a bool, list or object; ``ConfigError/Code/invalidValue`` for
    ///   text that is not a number.
    package func asDouble() throws(ConfigError) -> Double {
        try asDouble(for: nil)
    }

    /// Reads a bool from `true`/`false` or from a string Go's `strconv.ParseBool` accepts
    /// (`1`, `t`, `T`, `TRUE`, `true`, `True`, `0`, `f`, `F`, `FALSE`, `false`, `False`).
    /// - Returns: The bool.
    /// - Throws: ``ConfigError/Code/typeMismatch`` for a number, list or object; ``ConfigError/Code/invalidValue`` for
    ///   another string.
    package func asBool() throws(ConfigError) -> Bool {
        try asBool(for: nil)
    }

    /// Reads a Go duration such as `"1h30m"`; see ``GoDuration``.
    /// - Returns: The duration.
    /// - Throws: ``ConfigError/Code/typeMismatch`` for a bool, list or object; ``ConfigError/Code/invalidDuration``
    ///   for text that is not a Go duration.
    package func asDuration() throws(ConfigError) -> Duration {
        try asDuration(for: nil)
    }

    /// Reads a list of strings; numbers in it are read as their literals.
    /// - Returns: The strings.
    /// - Throws: ``ConfigError/Code/typeMismatch`` when the value is not a list or an element is not a string.
    package func asStringList() throws(ConfigError) -> [String] {
        try asStringList(for: nil)
    }

    /// Reads a list.
    /// - Returns: The elements.
    /// - Throws: ``ConfigError/Code/typeMismatch`` when the value is not a list.
    package func asList() throws(ConfigError) -> [ConfigValue] {
        guard case .list(let elements) = kind else { throw mismatch("a list", for: nil) }
        return elements
    }

    /// Reads an object `{ k = v }` as a body.
    /// - Returns: The body.
    /// - Throws: ``ConfigError/Code/typeMismatch`` when the value is not an object.
    package func asBody() throws(ConfigError) -> ConfigBody {
        guard case .object(let body) = kind else { throw mismatch("an object", for: nil) }
        return body
    }

    // MARK: With the key for messages

    func mismatch(_ expected: String, for key: String?) -> ConfigError {
        ConfigError(code: .typeMismatch, at: position, "expected \(expected)\(Self.forKey(key)), found \(summary)")
    }

    func invalid(_ expected: String, for key: String?, hint: String = "") -> ConfigError {
        ConfigError(
            code: .invalidValue, at: position, "expected \(expected)\(Self.forKey(key)), found \(summary)\(hint)")
    }

    static func forKey(_ key: String?) -> String {
        key.map { " for \"\($0)\"" } ?? ""
    }

    func asString(for key: String?) throws(ConfigError) -> String {
        switch kind {
        case .string(let text): return text
        case .number(let literal): return literal
        default: throw mismatch("a string", for: key)
        }
    }

    func asInt(for key: String?) throws(ConfigError) -> Int {
        let text: String
        switch kind {
        case .number(let literal): text = literal
        case .string(let string): text = string
        default: throw mismatch("an integer", for: key)
        }
        guard let value = Self.integer(text) else {
            var hint = ""
            if text.utf8.allSatisfy(Self.isFloatCharacter), Double(text) != nil {
                let whole = text.utf8.allSatisfy {
                    ConfigLexer.isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+")
                }
                hint = whole ? " (out of range)" : " (write whole digits, such as 8081)"
            }
            throw invalid("an integer", for: key, hint: hint)
        }
        return value
    }

    func asDouble(for key: String?) throws(ConfigError) -> Double {
        let text: String
        switch kind {
        case .number(let literal): text = literal
        case .string(let string): text = string
        default: throw mismatch("a number", for: key)
        }
        if let integer = Self.integer(text) { return Double(integer) }
        guard text.utf8.allSatisfy({ Self.isFloatCharacter($0) }), let value = Double(text), value.isFinite else {
            throw invalid("a number", for: key)
        }
        return value
    }

    func asBool(for key: String?) throws(ConfigError) -> Bool {
        switch kind {
        case .bool(let flag):
            return flag
        case .string(let text):
            switch text {
            case "1", "t", "T", "TRUE", "true", "True": return true
            case "0", "f", "F", "FALSE", "false", "False": return false
            default: throw invalid("true or false", for: key)
            }
        default:
            throw mismatch("true or false", for: key)
        }
    }

    func asDuration(for key: String?) throws(ConfigError) -> Duration {
        switch kind {
        case .string(let text), .number(let text):
            return try GoDuration.parse(text, at: position, for: key)
        default:
            throw mismatch("a duration such as \"1h30m\"", for: key)
        }
    }

    func asStringList(for key: String?) throws(ConfigError) -> [String] {
        guard case .list(let elements) = kind else {
            if case .string(let text) = kind {
                throw ConfigError(
                    code: .typeMismatch, at: position,
                    "expected a list of strings\(Self.forKey(key)), found \(summary); write [\"\(text)\"]")
            }
            throw mismatch("a list of strings", for: key)
        }
        var strings: [String] = []
        for element in elements {
            strings.append(try element.asString(for: key.map { "\($0)[\(strings.count)]" }))
        }
        return strings
    }

    // MARK: Number text

    /// Parses `[+-]?digits` or `[+-]?0x hexdigits` into an `Int`, or `nil`.
    static func integer(_ text: String) -> Int? {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        var radix = 10
        if digits.count > 2, digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ radix == 16 ? hexValue($0) != nil : ConfigLexer.isDigit($0) }),
            let magnitude = UInt64(digits, radix: radix)
        else { return nil }
        if negative {
            return magnitude <= UInt64(Int.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    private static func isFloatCharacter(_ byte: UInt8) -> Bool {
        ConfigLexer.isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
}
