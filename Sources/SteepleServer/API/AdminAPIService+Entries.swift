import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore

/// What every entry write of SPIRE's Entry API (and a join token's alias entry) shares: the rules, the batch bound and the audit line.
extension AdminAPIService {
    /// The entry rules (``EntryValidator``), with the TTL bound of the authority that signs now: every path that
    /// stores an entry (create, update, a join token's alias entry) goes through here.
    func validate(_ entry: RegistrationEntry) throws(EntryValidator.Failure) {
        try EntryValidator(trustDomain: trustDomain, authority: trustBundle).validate(entry, now: now())
    }

    /// Refuses a batch over ``EntryValidator/Limits/maximumBatchSize`` before any of it is looked at.
    static func checkBatchSize(_ count: Int, _ verb: String) throws(APIRefusal) {
        guard count <= EntryValidator.Limits.maximumBatchSize else {
            throw APIRefusal(
                .batchTooLarge,
                "cannot \(verb) \(count) entries in one request: at most \(EntryValidator.Limits.maximumBatchSize) are allowed, split the batch"
            )
        }
    }

    /// Logs an admin change at notice level: who called, which entries changed and which were refused.
    func audit(_ action: String, _ results: [(id: String, done: Bool)], _ context: GRPCCore.ServerContext) {
        let done = results.filter(\.done).map(\.id)
        let refused = results.count - done.count
        guard !results.isEmpty else { return }
        logger.notice("\(action)", metadata: [
            "caller": "\(AdminCaller(context))",
            "entry_ids": "\(Self.idList(done))",
            "refused": "\(refused)",
        ])
    }

    /// At most 20 IDs, then how many more.
    static func idList(_ ids: [String]) -> String {
        ids.count <= 20 ? ids.joined(separator: ",") : ids.prefix(20).joined(separator: ",") + ",… (\(ids.count) in all)"
    }
}


