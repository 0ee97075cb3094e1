import Foundation

/// Reads the `-file` of `entry delete`: SPIRE's `BatchDeleteEntryRequest` as JSON, `{"ids": ["id1", "id2"]}`, its
/// key in any case as Go's decoder reads it (``GoJSONKeys``).
enum EntryDeleteFile {
    /// The entry IDs of the document, in order.
    ///
    /// - Throws: ``CLIError`` naming the source when the document is malformed, has no IDs or has an empty one.
    static func parse(_ bytes: [UInt8], source: String) throws(CLIError) -> [String] {
        struct Document: Decodable {
            var ids: [String]?
        }
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(GoJSONKeys.canonicalized(bytes, fields: ["ids"])))
        } catch {
            throw CLIError("cannot read \(source) as SPIRE's batch deletion JSON ({\"ids\": [...]}): \(error)")
        }
        guard let ids = document.ids, !ids.isEmpty else {
            throw CLIError("\(source) has no entry IDs: expected {\"ids\": [...]} with at least one ID")
        }
        guard !ids.contains(where: \.isEmpty) else {
            throw CLIError("\(source) has an empty entry ID")
        }
        return ids
    }
}
