/// An attribute `key = value` in a ``ConfigBody``.
package struct ConfigAttribute: Sendable {
    /// The key, without quotes.
    package let key: String
    /// The value.
    package let value: ConfigValue
    /// Where the key starts.
    package let position: ConfigPosition

    /// Creates an attribute.
    /// - Parameters:
    ///   - key: The key, without quotes.
    ///   - value: The value.
    ///   - position: Where the key starts.
    package init(key: String, value: ConfigValue, position: ConfigPosition) {
        self.key = key
        self.value = value
        self.position = position
    }
}

extension ConfigAttribute: Hashable {}
