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
    /// The load under way: callers that arrive meanwhile wait for it instead of starting their own.
    private var loading: Task<Set<String>, any Error>?

    static let retries = 5

    init(ttl: Duration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.ttl = ttl
        self.now = now
    }

    /// Whether `member` is in the set `load` gives.
    func contains(_ member: String, load: @escaping @Sendable () async throws(AWSAPIError) -> Set<String>) async throws(AWSAPIError) -> Bool {
        if members == nil || now() > validUntil {
            let loaded = try await reload(load)
            validUntil = now().addingTimeInterval(TimeInterval(ttl.components.seconds))
            retries = Self.retries
            return loaded.contains(member)
        }
        if members?.contains(member) == true { return true }
        guard retries > 0 else { return false }
        retries -= 1
        return try await reload(load).contains(member)
    }

    private func reload(_ load: @escaping @Sendable () async throws(AWSAPIError) -> Set<String>) async throws(AWSAPIError) -> Set<String> {
        let task: Task<Set<String>, any Error>
        if let loading {
            task = loading
        } else {
            task = Task { try await load() }
            loading = task
        }
        do {
            let loaded = try await task.value
            if loading == task { loading = nil }
            members = loaded
            return loaded
        } catch {
            if loading == task { loading = nil }
            throw (error as? AWSAPIError) ?? AWSAPIError("\(error)")
        }
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
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InvalidFile(description: "unable to read account list file \(path): \((error as NSError).localizedDescription)")
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
