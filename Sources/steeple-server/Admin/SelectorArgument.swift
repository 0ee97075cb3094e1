import SPIREAPIProto

/// Parses SPIRE's `-selector type:value` flag values.
enum SelectorArgument {
    /// Splits `text` at its first colon: `unix:uid:1000` is type `unix`, value `uid:1000`.
    ///
    /// - Throws: ``CLIError`` naming the selector and the expected form when there is no colon or either part is
    ///   empty.
    static func parse(_ text: String) throws(CLIError) -> Spire_Api_Types_Selector {
        guard let colon = text.firstIndex(of: ":") else {
            throw malformed(text)
        }
        let type = String(text[..<colon])
        let value = String(text[text.index(after: colon)...])
        guard !type.isEmpty, !value.isEmpty else {
            throw malformed(text)
        }
        var selector = Spire_Api_Types_Selector()
        selector.type = type
        selector.value = value
        return selector
    }

    /// Parses every selector, in order.
    static func parse(_ texts: [String]) throws(CLIError) -> [Spire_Api_Types_Selector] {
        var selectors: [Spire_Api_Types_Selector] = []
        for text in texts {
            selectors.append(try parse(text))
        }
        return selectors
    }

    private static func malformed(_ text: String) -> CLIError {
        CLIError(
            "selector \(GoFormatting.quoted(text)) must be formatted as type:value, both non-empty (for example unix:uid:1000)"
        )
    }
}
