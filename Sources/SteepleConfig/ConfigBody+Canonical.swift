/// A canonical form in which every way of writing the same configuration looks the same, following HCL v1's rules:
/// labels, nested blocks, object attributes and JSON's lists of objects are interchangeable.
extension ConfigBody {
    /// The canonical form of the body.
    ///
    /// Object attributes and attributes holding a non-empty list of objects become blocks, labels become nested
    /// blocks, and then every block whose body holds only blocks is flattened into labelled blocks, as HCL v1's JSON
    /// parser does. So `DataStore "sql" { plugin_data { … } }`, `"DataStore": [{"sql": [{"plugin_data": {…}}]}]`
    /// and `"DataStore": {"sql": {"plugin_data": {…}}}` all become `DataStore "sql" "plugin_data" { … }`.
    /// Order is kept.
    /// - Returns: The canonical body; positions are kept where an item still has a source.
    package func canonicalized() -> ConfigBody {
        var result: [Entry] = []
        for entry in entries {
            switch entry {
            case .attribute(let attribute):
                switch attribute.value.kind {
                case .object(let body):
                    result += Self.wrap(attribute.key, body.canonicalized(), at: attribute.position)
                case .list(let elements) where !elements.isEmpty && elements.allSatisfy(\.isObject):
                    for element in elements {
                        guard case .object(let body) = element.kind else { continue }
                        result += Self.wrap(attribute.key, body.canonicalized(), at: element.position)
                    }
                default:
                    let value = attribute.value.canonicalized()
                    let canonical = ConfigAttribute(key: attribute.key, value: value, position: attribute.position)
                    result.append(.attribute(canonical))
                }
            case .block(let block):
                var body = block.body.canonicalized()
                for (label, position) in zip(block.labels, block.labelPositions).reversed() {
                    body = ConfigBody(entries: Self.wrap(label, body, at: position), position: body.position)
                }
                result += Self.wrap(block.type, body, at: block.position)
            }
        }
        return ConfigBody(entries: result, position: position)
    }

    /// `type { body }` for a canonical body, flattened into labelled blocks when the body holds only blocks.
    private static func wrap(_ type: String, _ body: ConfigBody, at position: ConfigPosition) -> [Entry] {
        let children = body.blocks
        guard !body.entries.isEmpty, children.count == body.entries.count else {
            return [.block(ConfigBlock(type: type, body: body, position: position))]
        }
        return children.map { child in
            .block(
                ConfigBlock(
                    type: type,
                    labels: [child.type] + child.labels,
                    labelPositions: [child.position] + child.labelPositions,
                    body: child.body,
                    position: position
                )
            )
        }
    }

    /// The canonical form (``canonicalized()``) rendered as HCL text without positions, two spaces per level.
    ///
    /// Equal texts mean equal configurations, whatever their format or shape; SPIRE compares plugin data the same
    /// way to decide whether a plugin must be reconfigured.
    package var canonicalText: String {
        var text = ""
        Self.render(canonicalized(), indent: "", into: &text)
        return text
    }

    private static func render(_ body: ConfigBody, indent: String, into text: inout String) {
        for entry in body.entries {
            switch entry {
            case .attribute(let attribute):
                text += "\(indent)\(renderKey(attribute.key)) = \(render(attribute.value, indent: indent))\n"
            case .block(let block):
                let head = ([renderKey(block.type)] + block.labels.map(quote)).joined(separator: " ")
                if block.body.entries.isEmpty {
                    text += "\(indent)\(head) {}\n"
                } else {
                    text += "\(indent)\(head) {\n"
                    render(block.body, indent: indent + "  ", into: &text)
                    text += "\(indent)}\n"
                }
            }
        }
    }

    private static func render(_ value: ConfigValue, indent: String) -> String {
        switch value.kind {
        case .string(let string):
            return quote(string)
        case .number(let literal):
            return literal
        case .bool(let flag):
            return flag ? "true" : "false"
        case .list(let elements):
            return "[" + elements.map { render($0, indent: indent) }.joined(separator: ", ") + "]"
        case .object(let body):
            guard !body.entries.isEmpty else { return "{}" }
            var inner = ""
            render(body, indent: indent + "  ", into: &inner)
            return "{\n\(inner)\(indent)}"
        }
    }

    private static func renderKey(_ key: String) -> String {
        guard let first = key.utf8.first, ConfigLexer.isIdentifierStart(first),
            key.utf8.allSatisfy(ConfigLexer.isIdentifierPart), key != "true", key != "false"
        else { return quote(key) }
        return key
    }

    /// A double-quoted HCL string, escaping quotes, backslashes and control characters.
    static func quote(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hexDigits = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hexDigits.count) + hexDigits
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension ConfigValue {
    /// Whether the value is an object.
    var isObject: Bool {
        if case .object = kind { true } else { false }
    }

    /// The value with objects inside it canonicalized.
    func canonicalized() -> ConfigValue {
        switch kind {
        case .list(let elements):
            ConfigValue(.list(elements.map { $0.canonicalized() }), at: position)
        case .object(let body):
            ConfigValue(.object(body.canonicalized()), at: position)
        default:
            self
        }
    }
}
