/// The content of a configuration file or of a block: attributes and blocks, in source order.
///
/// Parse a file with ``init(parsing:format:)``; read it with the typed accessors in `ConfigBody+Reading.swift` and
/// finish each body with ``rejectUnknownKeys(allowed:ignored:)``.
package struct ConfigBody: Sendable {
    /// One item of a body.
    package enum Entry: Sendable, Hashable {
        /// `key = value`.
        case attribute(ConfigAttribute)
        /// `type "label" { … }`.
        case block(ConfigBlock)

        /// The attribute key or block type.
        package var key: String {
            switch self {
            case .attribute(let attribute): attribute.key
            case .block(let block): block.type
            }
        }

        /// Where the attribute key or block type starts.
        package var position: ConfigPosition {
            switch self {
            case .attribute(let attribute): attribute.position
            case .block(let block): block.position
            }
        }
    }

    /// Attributes and blocks in source order.
    package let entries: [Entry]
    /// Where the body starts: its opening brace, or the start of the file.
    package let position: ConfigPosition

    /// Creates a body.
    /// - Parameters:
    ///   - entries: Attributes and blocks in source order.
    ///   - position: Where the body starts.
    package init(entries: [Entry] = [], position: ConfigPosition = .start) {
        self.entries = entries
        self.position = position
    }

    /// The attributes, in source order.
    package var attributes: [ConfigAttribute] {
        entries.compactMap {
            if case .attribute(let attribute) = $0 { attribute } else { nil }
        }
    }

    /// The blocks exactly as written, in source order; see ``blocks(_:labels:)`` to read them by type.
    package var blocks: [ConfigBlock] {
        entries.compactMap {
            if case .block(let block) = $0 { block } else { nil }
        }
    }

    /// The attribute keys and block types, in source order, each once.
    package var keys: [String] {
        var seen = Set<String>()
        return entries.map(\.key).filter { seen.insert($0).inserted }
    }

    /// The attribute with a key, if present.
    /// - Parameter key: The attribute key.
    /// - Returns: The attribute, or `nil` when the body has no attribute with that key.
    package func attribute(_ key: String) -> ConfigAttribute? {
        for case .attribute(let attribute) in entries where attribute.key == key {
            return attribute
        }
        return nil
    }
}

extension ConfigBody: Hashable {}
