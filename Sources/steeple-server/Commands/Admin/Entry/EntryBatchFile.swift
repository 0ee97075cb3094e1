import Foundation
import SPIFFE
import SPIREAPIProto

/// Reads SPIRE's registration-entry JSON, the `-data` file of `entry create` and `entry update`:
///
/// ```json
/// {"entries": [{"spiffe_id": "spiffe://example.org/web", "parent_id": "spiffe://example.org/agent",
///               "selectors": [{"type": "unix", "value": "uid:1000"}], "x509_svid_ttl": 3600}]}
/// ```
///
/// The keys are those of SPIRE's `common.RegistrationEntry`: `entry_id`, `spiffe_id`, `parent_id`, `selectors`,
/// `x509_svid_ttl` (or the older `ttl`), `jwt_svid_ttl`, `federates_with`, `dns_names`, `admin`, `downstream`,
/// `entryExpiry` (or `expires_at`), `store_svid`, `hint`, in any case as Go's decoder matches them (``GoJSONKeys``);
/// other keys are ignored, as Go's decoder ignores them.
/// Trust domains in `federates_with` may be names or `spiffe://` IDs; they are sent as names.
enum EntryBatchFile {
    /// Whether the entries are new (`entry create`) or replace existing ones (`entry update`, which needs IDs).
    enum Purpose {
        case create
        case update
    }

    /// The entries of a document, checked as the flags of a single entry are.
    ///
    /// - Parameters:
    ///   - bytes: the JSON document.
    ///   - source: how errors name the document (its path, or `stdin`).
    /// - Throws: ``CLIError`` naming the source, the entry (1-based) and what is wrong with it.
    static func parse(
        _ bytes: [UInt8],
        source: String,
        purpose: Purpose
    ) throws(CLIError) -> [Spire_Api_Types_Entry] {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(GoJSONKeys.canonicalized(bytes, fields: Self.fields)))
        } catch {
            throw CLIError(
                "cannot read \(source) as SPIRE's entry JSON ({\"entries\": [...]}): \(describe(error))"
            )
        }
        guard let records = document.entries, !records.isEmpty else {
            throw CLIError("\(source) has no entries: expected {\"entries\": [...]} with at least one entry")
        }
        var entries: [Spire_Api_Types_Entry] = []
        for (index, record) in records.enumerated() {
            do {
                entries.append(try record.entry(purpose: purpose))
            } catch {
                throw CLIError("entry \(index + 1) of \(source): \(error.message)")
            }
        }
        return entries
    }

    /// Every key of the document, as spelled in SPIRE's JSON tags.
    static let fields: Set<String> = [
        "entries", "type", "value", "entry_id", "spiffe_id", "parent_id", "selectors", "x509_svid_ttl", "ttl", "jwt_svid_ttl",
        "federates_with", "dns_names", "admin", "downstream", "entryExpiry", "expires_at", "store_svid", "hint",
    ]

    private struct Document: Decodable {
        var entries: [Record]?
    }

    private struct SelectorRecord: Decodable {
        var type: String?
        var value: String?
    }

    private struct Record: Decodable {
        var entry_id: String?
        var spiffe_id: String?
        var parent_id: String?
        var selectors: [SelectorRecord]?
        var x509_svid_ttl: Int32?
        var ttl: Int32?
        var jwt_svid_ttl: Int32?
        var federates_with: [String]?
        var dns_names: [String]?
        var admin: Bool?
        var downstream: Bool?
        var entryExpiry: Int64?
        var expires_at: Int64?
        var store_svid: Bool?
        var hint: String?

        func entry(purpose: Purpose) throws(CLIError) -> Spire_Api_Types_Entry {
            var entry = Spire_Api_Types_Entry()
            entry.id = entry_id ?? ""
            if purpose == .update, entry.id.isEmpty {
                throw CLIError("an entry ID (entry_id) is required")
            }
            guard let spiffe_id, !spiffe_id.isEmpty else { throw CLIError("a SPIFFE ID (spiffe_id) is required") }
            guard let parent_id, !parent_id.isEmpty else { throw CLIError("a parent ID (parent_id) is required") }
            entry.spiffeID = try IDArgument.spireID(spiffe_id, flag: "spiffeID")
            entry.parentID = try IDArgument.spireID(parent_id, flag: "parentID")
            guard let selectors, !selectors.isEmpty else {
                throw CLIError("at least one selector (selectors) is required")
            }
            entry.selectors = try selectors.map { (record) throws(CLIError) in
                try SelectorArgument.parse("\(record.type ?? ""):\(record.value ?? "")")
            }
            entry.x509SvidTtl = x509_svid_ttl ?? ttl ?? 0
            entry.jwtSvidTtl = jwt_svid_ttl ?? 0
            guard entry.x509SvidTtl >= 0, entry.jwtSvidTtl >= 0 else {
                throw CLIError("TTLs (x509_svid_ttl, jwt_svid_ttl) must not be negative")
            }
            entry.federatesWith = try (federates_with ?? []).map { (text) throws(CLIError) in
                try IDArgument.trustDomain(text, flag: "federatesWith").name
            }
            entry.dnsNames = dns_names ?? []
            entry.admin = admin ?? false
            entry.downstream = downstream ?? false
            entry.expiresAt = entryExpiry ?? expires_at ?? 0
            entry.storeSvid = store_svid ?? false
            entry.hint = hint ?? ""
            return entry
        }
    }

    /// A decoding error as `entries[1].x509_svid_ttl: expected Int32`.
    private static func describe(_ error: any Error) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            var text = ""
            for key in codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return text.isEmpty ? "document" : text
        }
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case DecodingError.valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case DecodingError.dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
