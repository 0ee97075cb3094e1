/// Strict key checking: a consumer names the keys it supports, and anything else is an error that names the key, its
/// position and the supported keys (SPIRE rejects unknown keys the same way).
extension ConfigBody {
    /// Throws for the first key that is neither allowed nor ignored; returns the ignored keys present, so the caller
    /// can log that they have no effect.
    ///
    ///     let ignored = try server.rejectUnknownKeys(
    ///         allowed: ["trust_domain", "bind_address", "bind_port", "ca_ttl"],
    ///         ignored: ["profiling_enabled"]
    ///     )
    ///     for key in ignored { logger.warning("ignored key", metadata: ["key": "\(key.name)"]) }
    ///
    /// - Parameters:
    ///   - allowed: The attribute keys and block types the consumer reads.
    ///   - ignored: Keys accepted for compatibility but not acted on.
    ///   - context: How to name this body in the message, such as `server`; `nil` leaves it out.
    /// - Returns: The ignored keys present, each once, in source order.
    /// - Throws: ``ConfigError/Code/unknownKey`` for the first other key.
    @discardableResult
    package func rejectUnknownKeys(
        allowed: Set<String>,
        ignored: Set<String> = [],
        unsupported: [String: String] = [:],
        context: String? = nil
    ) throws(ConfigError) -> [ConfigKey] {
        var present: [ConfigKey] = []
        var seen = Set<String>()
        for entry in entries where seen.insert(entry.key).inserted {
            if allowed.contains(entry.key) { continue }
            if ignored.contains(entry.key) {
                present.append(ConfigKey(name: entry.key, position: entry.position))
                continue
            }
            if let instead = unsupported[entry.key] {
                var message = "\"\(entry.key)\""
                if let context { message += " in \(context)" }
                message += " is a SPIRE setting Steeple does not support yet; \(instead)"
                throw ConfigError(code: .unsupportedKey, at: entry.position, message)
            }
            let supported = allowed.sorted()
            var message = "unknown key \"\(entry.key)\""
            if let context { message += " in \(context)" }
            if let suggestion = Self.closest(to: entry.key, in: supported) {
                message += " (did you mean \"\(suggestion)\"?)"
            }
            message +=
                supported.isEmpty
                ? "; this body takes no keys" : "; supported keys: " + supported.joined(separator: ", ")
            throw ConfigError(code: .unknownKey, at: entry.position, message)
        }
        return present
    }

    /// The candidate within edit distance 2 of `key` (or differing only in case), if one is clearly closest.
    static func closest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2, best.1 < key.count else { return nil }
        return scored.filter({ $0.1 == best.1 }).count == 1 ? best.0 : nil
    }

    /// Levenshtein distance over Unicode scalars, capped for long inputs.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars.prefix(64))
        let b = Array(b.unicodeScalars.prefix(64))
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = Swift.min(
                    previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
