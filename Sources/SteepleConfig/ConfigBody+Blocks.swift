/// Reading blocks with the number of labels a consumer expects.
///
/// HCL treats `DataStore "sql" { … }`, `DataStore { sql { … } }` and `DataStore = { sql = { … } }` alike, and
/// SPIRE's JSON form yields the nested shapes (`"DataStore": [{"sql": {…}}]` or `"DataStore": {"sql": {…}}`).
/// These readers fold nested unlabelled blocks into labels, or unfold extra labels into nested blocks, so every shape
/// reads the same.
extension ConfigBody {
    /// The blocks of one type, each with exactly `labels` labels, in source order.
    ///
    /// `plugins.blocks("DataStore", labels: 1)` reads `DataStore "sql" { … }` from HCL and from both JSON shapes.
    /// Object attributes (`x = { … }`) and attributes holding a list of objects count as blocks.
    /// - Parameters:
    ///   - type: The block type.
    ///   - labels: How many labels each block must have; a negative count reads as zero.
    /// - Returns: The blocks; empty when there are none.
    /// - Throws: ``ConfigError/Code/typeMismatch`` when `type` names a non-object attribute, or a block has fewer
    ///   labels and its body holds attributes, so the missing labels cannot be found.
    package func blocks(_ type: String, labels: Int = 0) throws(ConfigError) -> [ConfigBlock] {
        var result: [ConfigBlock] = []
        for entry in entries where entry.key == type {
            for block in try Self.blockForms(of: entry, context: nil) {
                result.append(contentsOf: try Self.fold(block, to: labels))
            }
        }
        return result
    }

    /// Every block of the body, whatever its type, each with exactly `labels` labels, in source order.
    ///
    /// For the `plugins` body, `allBlocks(labels: 1)` yields each plugin as type and name in declaration order, as
    /// SPIRE's catalog reads it.
    /// - Parameter labels: How many labels each block must have; a negative count reads as zero.
    /// - Returns: The blocks.
    /// - Throws: ``ConfigError/Code/typeMismatch`` when the body holds a non-object attribute, or a block's labels
    ///   cannot be found (see ``blocks(_:labels:)``).
    package func allBlocks(labels: Int) throws(ConfigError) -> [ConfigBlock] {
        var result: [ConfigBlock] = []
        for entry in entries {
            for block in try Self.blockForms(of: entry, context: "in this body") {
                result.append(contentsOf: try Self.fold(block, to: labels))
            }
        }
        return result
    }

    /// An entry as blocks: a block itself, an object attribute as one block, a list of objects as several.
    static func blockForms(of entry: Entry, context: String?) throws(ConfigError) -> [ConfigBlock] {
        switch entry {
        case .block(let block):
            return [block]
        case .attribute(let attribute):
            switch attribute.value.kind {
            case .object(let body):
                return [ConfigBlock(type: attribute.key, body: body, position: attribute.position)]
            case .list(let elements) where !elements.isEmpty:
                var blocks: [ConfigBlock] = []
                for element in elements {
                    guard case .object(let body) = element.kind else {
                        throw element.mismatch("an object in list \"\(attribute.key)\"", for: nil)
                    }
                    blocks.append(ConfigBlock(type: attribute.key, body: body, position: element.position))
                }
                return blocks
            default:
                let place = context.map { " \($0)" } ?? ""
                throw ConfigError(
                    code: .typeMismatch,
                    at: attribute.position,
                    "expected a block \"\(attribute.key) { … }\"\(place), "
                        + "found attribute \"\(attribute.key)\" holding \(attribute.value.summary)"
                )
            }
        }
    }

    /// Gives a block exactly `requested` labels (at least zero): extra labels become nested blocks; missing labels are taken from the
    /// types of the blocks nested in its body.
    static func fold(_ block: ConfigBlock, to requested: Int) throws(ConfigError) -> [ConfigBlock] {
        let count = max(requested, 0)
        if block.labels.count == count {
            return [block]
        }
        if block.labels.count > count {
            let inner = ConfigBlock(
                type: block.labels[count],
                labels: Array(block.labels[(count + 1)...]),
                labelPositions: Array(block.labelPositions[(count + 1)...]),
                body: block.body,
                position: block.labelPositions[count]
            )
            return [
                ConfigBlock(
                    type: block.type,
                    labels: Array(block.labels.prefix(count)),
                    labelPositions: Array(block.labelPositions.prefix(count)),
                    body: ConfigBody(entries: [.block(inner)], position: block.body.position),
                    position: block.position
                )
            ]
        }
        let wanted = count == 1 ? "a name" : "\(count) labels"
        let example = ([block.type] + block.labels.map { "\"\($0)\"" } + ["\"name\""]).joined(separator: " ")
        guard !block.body.entries.isEmpty else {
            throw ConfigError(
                code: .typeMismatch, at: block.position,
                "expected block \(block.displayName) to have \(wanted), as in \(example) { … }")
        }
        var result: [ConfigBlock] = []
        for entry in block.body.entries {
            let context = "inside block \(block.displayName), which needs \(wanted) as in \(example) { … }"
            let children = try blockForms(of: entry, context: context)
            for child in children {
                let merged = ConfigBlock(
                    type: block.type,
                    labels: block.labels + [child.type] + child.labels,
                    labelPositions: block.labelPositions + [child.position] + child.labelPositions,
                    body: child.body,
                    position: block.position
                )
                result.append(contentsOf: try fold(merged, to: count))
            }
        }
        return result
    }
}
