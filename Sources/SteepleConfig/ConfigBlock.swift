/// A block `type "label" … { body }` in a ``ConfigBody``, such as `server { … }` or `DataStore "sql" { … }`.
///
/// HCL treats `DataStore "sql" { … }` and `DataStore { sql { … } }` alike; ``ConfigBody/blocks(_:labels:)`` reads
/// either shape with the number of labels its consumer expects.
package struct ConfigBlock: Sendable {
    /// The block type, such as `server` or `DataStore`.
    package let type: String
    /// The labels after the type, such as `["sql"]`; empty for an unlabelled block.
    package let labels: [String]
    /// Where each label starts; as many as ``labels``.
    package let labelPositions: [ConfigPosition]
    /// The content between the braces.
    package let body: ConfigBody
    /// Where the block type starts.
    package let position: ConfigPosition

    /// Creates a block.
    /// - Parameters:
    ///   - type: The block type.
    ///   - labels: The labels after the type.
    ///   - labelPositions: Where each label starts; missing entries default to `position`.
    ///   - body: The content between the braces.
    ///   - position: Where the block type starts.
    package init(
        type: String,
        labels: [String] = [],
        labelPositions: [ConfigPosition] = [],
        body: ConfigBody,
        position: ConfigPosition
    ) {
        self.type = type
        self.labels = labels
        var positions = Array(labelPositions.prefix(labels.count))
        while positions.count < labels.count {
            positions.append(position)
        }
        self.labelPositions = positions
        self.body = body
        self.position = position
    }

    /// The block's name for messages: its type and quoted labels, such as `DataStore "sql"`.
    package var displayName: String {
        ([type] + labels.map { "\"\($0)\"" }).joined(separator: " ")
    }
}

extension ConfigBlock: Hashable {}
