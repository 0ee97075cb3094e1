/// SPIRE's `agent_path_template`, a Go text/template, in the forms its documentation uses: literal text,
/// `{{ .Field }}` actions, and for a map field (`aws_iid`'s `Tags`) `{{ .Map.Key }}` or `{{ index .Map "key" }}`. As
/// SPIRE's template (`missingkey=error`), `.Map.Key` of a key the map lacks is an error, while `index` gives the
/// empty string (the zero value of a `map[string]string`). Other actions (sprig functions, pipelines, conditionals)
/// are refused when the template is parsed, so a configuration SPIRE would read differently never starts.
struct AgentPathTemplate: Sendable, Hashable {
    private enum Part: Sendable, Hashable {
        case text(String)
        case field(String)
        /// `strict`: `.Map.Key`, an error when the key is missing; else `index .Map "key"`.
        case mapValue(map: String, key: String, strict: Bool)
    }

    private let parts: [Part]
    let source: String

    /// Parses `source`, whose fields must all be in `fields`, and whose map lookups in `maps`.
    init(_ source: String, fields: Set<String>, maps: Set<String> = []) throws(AgentPathTemplateError) {
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw AgentPathTemplateError("agent_path_template \"\(source)\" has an unclosed {{")
            }
            let raw = rest[open.upperBound..<close.lowerBound]
            var action = raw.drop(while: { $0 == " " || $0 == "-" })
            while let last = action.last, last == " " || last == "-" { action = action.dropLast() }
            parts.append(try Self.part(String(action), raw: String(raw), source: source, fields: fields, maps: maps))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
        self.source = source
    }

    /// Whether the template reads map `name` (`aws_iid` then needs the instance's tags).
    func uses(map name: String) -> Bool {
        parts.contains { if case .mapValue(let map, _, _) = $0 { map == name } else { false } }
    }

    private static func isIdentifier(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }

    private static func part(_ action: String, raw: String, source: String, fields: Set<String>, maps: Set<String>) throws(AgentPathTemplateError) -> Part {
        let unsupported = AgentPathTemplateError(
            "agent_path_template \"\(source)\": {{\(raw)}} is not supported: only {{ .Field }} actions are\(maps.isEmpty ? "" : ", and {{ .Map.Key }} or {{ index .Map \"key\" }} of \(maps.sorted().joined(separator: ", "))")")
        func known(_ name: String, in names: Set<String>, kind: String) throws(AgentPathTemplateError) {
            guard names.contains(name) else {
                throw AgentPathTemplateError("agent_path_template \"\(source)\": \(kind) \(name) is not known; known \(kind)s: \(names.sorted().joined(separator: ", "))")
            }
        }
        if action.hasPrefix("index ") {
            // index .Map "key"
            let arguments = action.dropFirst("index ".count).drop(while: { $0 == " " })
            guard arguments.hasPrefix("."), let space = arguments.firstIndex(of: " ") else { throw unsupported }
            let map = arguments[arguments.index(after: arguments.startIndex)..<space]
            var literal = arguments[space...].drop(while: { $0 == " " })
            guard isIdentifier(map), literal.count >= 2, let quote = literal.first, quote == "\"" || quote == "`", literal.last == quote else { throw unsupported }
            literal = literal.dropFirst().dropLast()
            guard !literal.contains("\\"), !literal.contains(quote) else { throw unsupported }
            try known(String(map), in: maps, kind: "map")
            return .mapValue(map: String(map), key: String(literal), strict: false)
        }
        guard action.hasPrefix(".") else { throw unsupported }
        let path = action.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        guard path.allSatisfy(isIdentifier) else { throw unsupported }
        switch path.count {
        case 1:
            try known(String(path[0]), in: fields, kind: "field")
            return .field(String(path[0]))
        case 2:
            try known(String(path[0]), in: maps, kind: "map")
            return .mapValue(map: String(path[0]), key: String(path[1]), strict: true)
        default:
            throw unsupported
        }
    }

    /// The path with each field's value and each map lookup's.
    ///
    /// - Throws: for `.Map.Key` when the map has no such key, in Go's words.
    func execute(_ values: [String: String], maps: [String: [String: String]] = [:]) throws(AgentPathTemplateError) -> String {
        var path = ""
        for part in parts {
            switch part {
            case .text(let text):
                path += text
            case .field(let name):
                path += values[name] ?? ""
            case .mapValue(let map, let key, let strict):
                if let value = maps[map]?[key] {
                    path += value
                } else if strict {
                    throw AgentPathTemplateError("template: agent-path: map has no entry for key \"\(key)\"")
                }
            }
        }
        return path
    }
}

/// A template that cannot be used.
struct AgentPathTemplateError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
