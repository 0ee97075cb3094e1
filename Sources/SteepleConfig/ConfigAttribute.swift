/// An attribute `key = value` in a ``ConfigBody``.
package struct ConfigAttribute: Sendable, Hashable {
    /// The key, without quotes.
    package var key: String
    /// The value.
    package var value: ConfigValue
    /// Where the key starts.
    package var position: ConfigPosition

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
