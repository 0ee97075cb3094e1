/// Parses HCL's native syntax, the subset SPIRE configuration files use, into a ``ConfigBody``.
///
/// Grammar (newlines are not significant, as in HCL v1):
///
///     body   := (item ","?)*
///     item   := key "=" value | key label* "{" body "}"
///     key    := identifier | string          label := identifier | string
///     value  := string | heredoc | number | "true" | "false" | "[" (value ("," value)* ","?)? "]" | "{" body "}"
struct ConfigParser {
    /// The deepest nesting of blocks, labels, lists and objects accepted, so hostile input cannot exhaust the stack.
    static let maxDepth = 100

    private var lexer: ConfigLexer
    private var token: ConfigToken

    /// Creates a parser over validated source bytes.
    init(_ source: ConfigSource) throws(ConfigError) {
        lexer = ConfigLexer(source)
        token = try lexer.next()
    }

    /// Parses the whole input as the top-level body.
    /// - Throws: ``ConfigError/Code/syntax`` or ``ConfigError/Code/duplicateKey``.
    mutating func parseFile() throws(ConfigError) -> ConfigBody {
        try parseBody(at: .start, depth: 0, openedAt: nil)
    }

    private mutating func advance() throws(ConfigError) {
        token = try lexer.next()
    }

    private static func checkDepth(_ depth: Int, at position: ConfigPosition) throws(ConfigError) {
        if depth > maxDepth {
            throw ConfigError(code: .syntax, at: position, "nesting is deeper than \(maxDepth) levels")
        }
    }

    /// Parses items up to a closing brace (consumed) when `openedAt` is set, or up to the end of the input.
    private mutating func parseBody(
        at position: ConfigPosition,
        depth: Int,
        openedAt opening: ConfigPosition?
    ) throws(ConfigError) -> ConfigBody {
        var entries: [ConfigBody.Entry] = []
        var keys = DuplicateKeyCheck()
        while true {
            switch token.kind {
            case .punctuation(UInt8(ascii: "}")):
                guard opening != nil else {
                    throw ConfigError(
                        code: .syntax, at: token.position, "unexpected \"}\"; no block or object is open here")
                }
                try advance()
                return ConfigBody(entries: entries, position: position)
            case .end:
                if let opening {
                    throw ConfigError(
                        code: .syntax, at: token.position,
                        "expected \"}\" to close the brace opened at \(opening), found end of file")
                }
                return ConfigBody(entries: entries, position: position)
            default:
                let entry = try parseItem(depth: depth)
                try keys.add(entry)
                entries.append(entry)
                if token.is(",") {
                    try advance()
                }
            }
        }
    }

    private mutating func parseItem(depth: Int) throws(ConfigError) -> ConfigBody.Entry {
        let keyPosition = token.position
        let key: String
        switch token.kind {
        case .identifier(let name), .string(let name):
            key = name
        default:
            throw ConfigError(
                code: .syntax, at: token.position, "expected a key or a block type, found \(token.summary)")
        }
        try advance()
        if token.is("=") {
            try advance()
            let value = try parseValue(depth: depth + 1, context: "after \"\(key) =\"")
            return .attribute(ConfigAttribute(key: key, value: value, position: keyPosition))
        }
        var labels: [String] = []
        var labelPositions: [ConfigPosition] = []
        var firstLabel: ConfigToken?
        while let label = token.labelText {
            firstLabel = firstLabel ?? token
            labels.append(label)
            labelPositions.append(token.position)
            try advance()
        }
        guard token.is("{") else {
            throw Self.blockOpeningError(key: key, firstLabel: firstLabel, found: token)
        }
        let bodyPosition = token.position
        try Self.checkDepth(depth + 1 + labels.count, at: bodyPosition)
        try advance()
        let body = try parseBody(at: bodyPosition, depth: depth + 1 + labels.count, openedAt: bodyPosition)
        return .block(
            ConfigBlock(type: key, labels: labels, labelPositions: labelPositions, body: body, position: keyPosition)
        )
    }

    /// The error for a key followed by neither `=` nor labels and `{`.
    ///
    /// Points at the first label when there is one: the likelier mistake is a missing `=` (`bind_port "8081"`),
    /// after which the next line's key reads as one more label.
    private static func blockOpeningError(key: String, firstLabel: ConfigToken?, found: ConfigToken) -> ConfigError {
        let culprit = firstLabel ?? found
        var message = "expected \"=\" or \"{\" after \"\(key)\", found \(culprit.summary)"
        if let label = firstLabel?.labelText {
            message += "; write \(key) = \"\(label)\" for an attribute, or open the block with \"{\" after its labels"
        }
        return ConfigError(code: .syntax, at: culprit.position, message)
    }

    private mutating func parseValue(depth: Int, context: String) throws(ConfigError) -> ConfigValue {
        let position = token.position
        try Self.checkDepth(depth, at: position)
        switch token.kind {
        case .string(let text), .heredoc(let text):
            try advance()
            return ConfigValue(.string(text), at: position)
        case .number(let literal):
            try advance()
            return ConfigValue(.number(literal: literal), at: position)
        case .identifier("true"), .identifier("false"):
            let value = token.kind == .identifier("true")
            try advance()
            return ConfigValue(.bool(value), at: position)
        case .identifier(let word):
            throw ConfigError(
                code: .syntax, at: position,
                "expected a value \(context), found \"\(word)\"; quote text values, as in \"\(word)\"")
        case .punctuation(UInt8(ascii: "[")):
            try advance()
            var elements: [ConfigValue] = []
            while !token.is("]") {
                elements.append(try parseValue(depth: depth + 1, context: "in the list opened at \(position)"))
                if token.is(",") {
                    try advance()
                } else if !token.is("]") {
                    throw ConfigError(
                        code: .syntax, at: token.position,
                        "expected \",\" or \"]\" in the list opened at \(position), found \(token.summary)")
                }
            }
            try advance()
            return ConfigValue(.list(elements), at: position)
        case .punctuation(UInt8(ascii: "{")):
            try advance()
            let body = try parseBody(at: position, depth: depth, openedAt: position)
            return ConfigValue(.object(body), at: position)
        default:
            throw ConfigError(code: .syntax, at: position, "expected a value \(context), found \(token.summary)")
        }
    }
}

/// Finds a key set twice in one body: two attributes, or an attribute and a block. Repeated blocks are allowed.
struct DuplicateKeyCheck {
    private var seen: [String: (position: ConfigPosition, isAttribute: Bool)] = [:]

    /// Records an entry.
    /// - Throws: ``ConfigError/Code/duplicateKey`` naming both positions.
    mutating func add(_ entry: ConfigBody.Entry) throws(ConfigError) {
        let isAttribute = if case .attribute = entry { true } else { false }
        if let first = seen[entry.key], first.isAttribute || isAttribute {
            let what = first.isAttribute && isAttribute ? "is set twice" : "is used both as an attribute and as a block"
            throw ConfigError(
                code: .duplicateKey,
                at: entry.position,
                "key \"\(entry.key)\" \(what): first at \(first.position), again at \(entry.position); keep one"
            )
        }
        if seen[entry.key] == nil {
            seen[entry.key] = (entry.position, isAttribute)
        }
    }
}
