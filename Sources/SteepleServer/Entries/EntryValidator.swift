import SPIFFE
import SPIFFECA
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The rules a registration entry must meet before anything is stored. Each failure names the field, what was
/// wrong and what would be right; nothing is normalised (SPEC §1).
///
/// Every path that stores an entry calls ``validate(_:now:)``; the API's decoding calls the size checks first, on the
/// request, so an oversized entry is refused before it is parsed. The bounds are ``Limits``.
struct EntryValidator: Sendable {
    let trustDomain: TrustDomain
    /// The longest TTL the CA could ever honour (its lifetime).
    let maximumTTLSeconds: Int

    init(trustDomain: TrustDomain, maximumTTLSeconds: Int) {
        self.trustDomain = trustDomain
        self.maximumTTLSeconds = maximumTTLSeconds
    }

    /// The rules with the TTL bound of the authority that signs now.
    init(trustDomain: TrustDomain, authority: any TrustBundleSource) {
        let validity = authority.activeX509Validity
        self.init(trustDomain: trustDomain, maximumTTLSeconds: Int(validity.notAfter.timeIntervalSince(validity.notBefore)))
    }

    /// The bounds the admin API enforces on registration entries and batches, so that one request cannot make the
    /// server store (and push to every agent) an entry of unbounded size. Each refusal names the bound.
    enum Limits {
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
    }

    /// At most this many characters of a value are quoted in an error message (a refused 100 KB selector must not
    /// come back as a 100 KB gRPC status message, which HTTP/2 header limits would turn into a connection error).
    static let quotedPrefix = 64

    /// `value` for an error message, in quotes: whole when short, else its first characters and `…`.
    static func quoted(_ value: String) -> String {
        guard value.count > quotedPrefix else { return "\"\(value)\"" }
        return "\"\(value.prefix(quotedPrefix))…\""
    }

    var serverID: SPIFFEID { try! SPIFFEID(trustDomain: trustDomain, path: "/spire/server") }

    struct Failure: Error, Sendable {
        let message: String
    }

    /// Every rule an entry must meet before it is stored, on every path that stores one (create, update, the alias
    /// entry of a join token): sizes, IDs, parent, selectors, TTL bounds, DNS names, federation, hint, entry ID, and
    /// an expiry that is not already past at `now`.
    func validate(_ entry: RegistrationEntry, now: Date) throws(Failure) {
        try Self.validateSizes(selectors: entry.selectors.count, dnsNames: entry.dnsNames.count, federatesWith: entry.federatesWith.count)
        for selector in entry.selectors {
            try Self.validateSelectorSize(type: selector.type, value: selector.value)
        }
        guard entry.spiffeID.isMember(of: trustDomain) else {
            throw Failure(message: "spiffe_id \(entry.spiffeID) is not in trust domain \(trustDomain): entries may only name IDs of this server's trust domain")
        }
        guard entry.spiffeID.hasPath else {
            throw Failure(message: "spiffe_id \(entry.spiffeID) has no path: a workload or alias ID needs one, as in \(trustDomain.idString)/web")
        }
        guard !Self.isReserved(entry.spiffeID) else {
            throw Failure(message: "spiffe_id \(entry.spiffeID) is under the reserved /spire path: choose another path")
        }
        guard entry.parentID.isMember(of: trustDomain) else {
            throw Failure(message: "parent_id \(entry.parentID) is not in trust domain \(trustDomain)")
        }
        guard entry.parentID.hasPath else {
            throw Failure(message: "parent_id \(entry.parentID) has no path: use an agent ID, an alias ID or \(serverID) for node entries")
        }
        guard !entry.selectors.isEmpty else {
            throw Failure(message: "entry has no selectors: give at least one, as in unix:uid:1000")
        }
        guard entry.x509SVIDTTL >= 0, entry.jwtSVIDTTL >= 0 else {
            throw Failure(message: "TTLs must be zero (server default) or positive seconds")
        }
        guard entry.x509SVIDTTL <= maximumTTLSeconds else {
            throw Failure(message: "x509_svid_ttl of \(entry.x509SVIDTTL) s exceeds the CA lifetime of \(maximumTTLSeconds) s (ca_ttl): the CA could never honour it")
        }
        guard entry.jwtSVIDTTL <= maximumTTLSeconds else {
            throw Failure(message: "jwt_svid_ttl of \(entry.jwtSVIDTTL) s exceeds the CA lifetime of \(maximumTTLSeconds) s (ca_ttl): the CA could never honour it")
        }
        for name in entry.dnsNames {
            try Self.validateDNSName(name)
        }
        for federated in entry.federatesWith where federated == trustDomain {
            throw Failure(message: "federates_with names this server's own trust domain \(trustDomain): list only other trust domains")
        }
        guard entry.hint.utf8.count <= 1024 else {
            throw Failure(message: "hint is \(entry.hint.utf8.count) bytes: at most 1024 are allowed (Workload API §5.2.1)")
        }
        guard Self.isValidEntryID(entry.id) else {
            throw Failure(message: "entry ID \(EntryValidator.quoted(entry.id)) is invalid: use 1 to 255 characters of letters, digits, '.', '-' and '_'")
        }
        if let expiresAt = entry.expiresAt, expiresAt <= now {
            throw Failure(
                message: "expires_at \(UnixTime.clampedSeconds(expiresAt)) is in the past (now \(UnixTime.clampedSeconds(now))): give a later Unix time, or 0 for no expiry"
            )
        }
    }

    /// The count limits of ``EntryValidator/Limits``: checked on the request before anything is parsed, and again on the entry.
    static func validateSizes(selectors: Int, dnsNames: Int, federatesWith: Int) throws(Failure) {
        guard selectors <= EntryValidator.Limits.maximumSelectors else {
            throw Failure(message: "entry has \(selectors) selectors: at most \(EntryValidator.Limits.maximumSelectors) are allowed")
        }
        guard dnsNames <= EntryValidator.Limits.maximumDNSNames else {
            throw Failure(message: "entry has \(dnsNames) DNS names: at most \(EntryValidator.Limits.maximumDNSNames) are allowed")
        }
        guard federatesWith <= EntryValidator.Limits.maximumFederatesWith else {
            throw Failure(message: "entry federates with \(federatesWith) trust domains: at most \(EntryValidator.Limits.maximumFederatesWith) are allowed")
        }
    }

    /// A selector's type and value are each at most ``EntryValidator/Limits/maximumSelectorBytes`` bytes.
    static func validateSelectorSize(type: String, value: String) throws(Failure) {
        for (part, text) in [("type", type), ("value", value)] where text.utf8.count > EntryValidator.Limits.maximumSelectorBytes {
            throw Failure(message: "selector \(part) \(EntryValidator.quoted(text)) is \(text.utf8.count) bytes: at most \(EntryValidator.Limits.maximumSelectorBytes) are allowed")
        }
    }

    /// `/spire` and everything under it belong to the server and agents (SPIRE's `IsReservedPath`).
    static func isReserved(_ id: SPIFFEID) -> Bool {
        id.path == "/spire" || id.path.hasPrefix("/spire/")
    }

    static func isValidEntryID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 255
            && id.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x2D || b == 0x5F
            }
    }

    /// A DNS SAN: labels of letters, digits and '-', not starting or ending with '-', 1–63 bytes each, at most 253
    /// in all; a leading `*` label is allowed (wildcard).
    static func validateDNSName(_ name: String) throws(Failure) {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.utf8.count <= 253
            && labels.enumerated().allSatisfy { index, label in
                if index == 0 && label == "*" && labels.count > 1 { return true }
                return !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { b in
                        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
                    }
            }
        guard name.utf8.count <= EntryValidator.Limits.maximumDNSNameBytes else {
            throw Failure(message: "DNS name \(EntryValidator.quoted(name)) is \(name.utf8.count) bytes: at most \(EntryValidator.Limits.maximumDNSNameBytes) are allowed")
        }
        guard valid else {
            throw Failure(message: "DNS name \(EntryValidator.quoted(name)) is invalid: expected labels of letters, digits and '-' separated by dots, optionally starting with '*.'")
        }
    }
}
