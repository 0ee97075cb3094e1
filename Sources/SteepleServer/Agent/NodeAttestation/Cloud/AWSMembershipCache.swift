import Foundation

/// SPIRE's cache for `aws_iid`'s membership checks (`verify_organization`'s accounts, `validate_eks_cluster_membership`'s
/// instances): the set is loaded when first needed and again once `ttl` has passed; a member not found in a set that
/// was not just loaded loads it again at once, at most five times per period, so a new account or node is admitted
/// without waiting for the period while a flood of strangers cannot make the server call AWS without end.
actor AWSMembershipCache {
    private let ttl: Duration
    private let now: @Sendable () -> Date
    private var members: Set<String>?
    private var validUntil = Date.distantPast
    private var retries = AWSMembershipCache.retries

    static let retries = 5

    init(ttl: Duration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.ttl = ttl
        self.now = now
    }

    /// Whether `member` is in the set `load` gives.
    func contains(_ member: String, load: @Sendable () async throws(AWSAPIError) -> Set<String>) async throws(AWSAPIError) -> Bool {
        if members == nil || now() > validUntil {
            members = try await load()
            validUntil = now().addingTimeInterval(TimeInterval(ttl.components.seconds))
            retries = Self.retries
            return members?.contains(member) ?? false
        }
        if members?.contains(member) == true { return true }
        guard retries > 0 else { return false }
        retries -= 1
        members = try await load()
        return members?.contains(member) ?? false
    }
}

/// `verify_organization`: the instance's account must be an active account of the organization, from the
/// Organizations API or from `account_list_file` (re-read when the list is older than `org_account_map_ttl`; a file
/// that became empty, unreadable or malformed fails closed).
enum AWSOrganizationValidator {
    struct InvalidFile: Error, CustomStringConvertible {
        let description: String
    }

    /// The accounts of a JSON array of 12-digit account IDs, SPIRE's file format, in SPIRE's words.
    static func accounts(inFile path: String) throws(InvalidFile) -> Set<String> {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvalidFile(description: "unable to read account list file: open \(path): no such file or directory")
        }
        guard let ids = try? JSONDecoder().decode([String].self, from: data) else {
            throw InvalidFile(description: "unable to parse account list file \"\(path)\", expected a JSON array of account IDs")
        }
        for id in ids where id.utf8.count != 12 || !id.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            throw InvalidFile(description: "invalid account id \"\(id)\" in account list file \"\(path)\", expected a 12-digit AWS account id")
        }
        return Set(ids)
    }
}
