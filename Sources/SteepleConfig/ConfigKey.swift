/// A key found in a body: an attribute key or a block type, where it first appears.
package struct ConfigKey: Sendable {
    /// The attribute key or block type.
    package let name: String
    /// Where it first appears in the body.
    package let position: ConfigPosition

    /// Creates a key reference.
    /// - Parameters:
    ///   - name: The attribute key or block type.
    ///   - position: Where it first appears.
    package init(name: String, position: ConfigPosition) {
        self.name = name
        self.position = position
    }
}

extension ConfigKey: Hashable {}
