/// The bounds the admin API enforces on registration entries and batches, so that one request cannot make the
/// server store (and push to every agent) an entry of unbounded size. Each refusal names the bound.
enum EntryLimits {
    /// Selectors per entry.
    static let maximumSelectors = 64
    /// Bytes of one selector's type or value.
    static let maximumSelectorBytes = 1024
    /// DNS names per entry.
    static let maximumDNSNames = 64
    /// Bytes of one DNS name (RFC 1035 §2.3.4).
    static let maximumDNSNameBytes = 253
    /// Federated trust domains per entry.
    static let maximumFederatesWith = 64
    /// Entries (or IDs) per batch create, update or delete request.
    static let maximumBatchSize = 500

    /// At most this many characters of a value are quoted in an error message (a refused 100 KB selector must not
    /// come back as a 100 KB gRPC status message, which HTTP/2 header limits would turn into a connection error).
    static let quotedPrefix = 64

    /// `value` for an error message, in quotes: whole when short, else its first characters and `…`.
    static func quoted(_ value: String) -> String {
        guard value.count > quotedPrefix else { return "\"\(value)\"" }
        return "\"\(value.prefix(quotedPrefix))…\""
    }
}
