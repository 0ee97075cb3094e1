/// SPIRE's `agent_path_template`, a Go text/template, in the form its documentation uses: literal text and
/// `{{ .Field }}` actions. Other actions (`index`, pipelines, conditionals) are refused when the template is parsed,
/// so a configuration SPIRE would read differently never starts.
struct AgentPathTemplate: Sendable, Hashable {
    private enum Part: Sendable, Hashable {
        case text(String)
        case field(String)
    }

    private let parts: [Part]
    let source: String

    /// Parses `source`, whose fields must all be in `fields`.
    init(_ source: String, fields: Set<String>) throws(AgentPathTemplateError) {
        var parts: [Part] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                throw AgentPathTemplateError("agent_path_template \"\(source)\" has an unclosed {{")
            }
            var action = rest[open.upperBound..<close.lowerBound]
            action = action.drop(while: { $0 == " " || $0 == "-" })
            while let last = action.last, last == " " || last == "-" { action = action.dropLast() }
            guard action.hasPrefix("."), action.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), action.count > 1 else {
                throw AgentPathTemplateError("agent_path_template \"\(source)\": {{\(rest[open.upperBound..<close.lowerBound])}} is not supported: only {{ .Field }} actions are")
            }
            let name = String(action.dropFirst())
            guard fields.contains(name) else {
                throw AgentPathTemplateError("agent_path_template \"\(source)\": field \(name) is not known; known fields: \(fields.sorted().joined(separator: ", "))")
            }
            parts.append(.field(name))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
        self.source = source
    }

    /// The path with each field's value.
    func execute(_ values: [String: String]) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .field(let name): values[name] ?? ""
            }
        }.joined()
    }
}

/// A template that cannot be used.
struct AgentPathTemplateError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
