import Foundation

/// Go's `encoding/json`, which SPIRE's CLI reads its `-data` and `-file` documents with, matches an object key to a
/// struct field case-insensitively when no key matches exactly (`"SPIFFE_ID"`, `"Ids"`). Our decoders match exactly,
/// so a document is first rewritten: each key that is not one of `fields` but equals one of them ignoring case is
/// renamed to it, at every depth. Keys that match nothing are left (and ignored, as Go ignores them).
enum GoJSONKeys {
    /// `bytes` with keys renamed as above; `bytes` unchanged when it is not JSON (the decoder then reports why).
    static func canonicalized(_ bytes: [UInt8], fields: Set<String>) -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return bytes }
        var byLowercase: [String: String] = [:]
        for field in fields { byLowercase[field.lowercased()] = field }
        let rewritten = rename(object, byLowercase: byLowercase, fields: fields)
        guard let data = try? JSONSerialization.data(withJSONObject: rewritten, options: [.fragmentsAllowed]) else { return bytes }
        return Array(data)
    }

    private static func rename(_ value: Any, byLowercase: [String: String], fields: Set<String>) -> Any {
        if let array = value as? [Any] {
            return array.map { rename($0, byLowercase: byLowercase, fields: fields) }
        }
        guard let object = value as? [String: Any] else { return value }
        var result: [String: Any] = [:]
        // Exact keys first, so that {"ids": …, "IDS": …} keeps the exact one, as Go does.
        for (key, child) in object where fields.contains(key) {
            result[key] = rename(child, byLowercase: byLowercase, fields: fields)
        }
        for (key, child) in object where !fields.contains(key) {
            let name = byLowercase[key.lowercased()] ?? key
            if result[name] == nil { result[name] = rename(child, byLowercase: byLowercase, fields: fields) }
        }
        return result
    }
}
