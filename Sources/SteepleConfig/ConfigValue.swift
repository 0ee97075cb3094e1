/// A value in a configuration file, with the position where it starts.
///
/// Values keep what was written: numbers keep their literal (`8081`, `1.5`, `-2e3`), so a consumer decides how to
/// read them; see the typed accessors in `ConfigValue+Reading.swift`.
package struct ConfigValue: Sendable {
    /// The kind of a value and its content.
    package enum Kind: Sendable, Hashable {
        /// A string, from a quoted literal or a heredoc, escapes resolved and `${…}` kept literally.
        case string(String)
        /// A number, kept as its source literal, such as `8081`, `-1`, `0.5` or `1e3`.
        case number(literal: String)
        /// `true` or `false`.
        case bool(Bool)
        /// A list `[a, b]`.
        case list([ConfigValue])
        /// An object `{ k = v }`, which HCL treats like a block body.
        case object(ConfigBody)
    }

    /// The kind and content.
    package let kind: Kind
    /// Where the value starts.
    package let position: ConfigPosition

    /// Creates a value.
    /// - Parameters:
    ///   - kind: The kind and content.
    ///   - position: Where the value starts.
    package init(_ kind: Kind, at position: ConfigPosition) {
        self.kind = kind
        self.position = position
    }

    /// A short, lowercase description of the value for error messages, such as `number 8081` or `a list`.
    package var summary: String {
        switch kind {
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "string \"\(shown)\""
        case .number(let literal):
            return "number \(literal)"
        case .bool(let value):
            return "bool \(value)"
        case .list:
            return "a list"
        case .object:
            return "an object"
        }
    }
}

extension ConfigValue: Hashable {}
