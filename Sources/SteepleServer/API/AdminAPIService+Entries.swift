import GRPCCore
import Logging
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

extension AdminAPIService {
    /// Creates the entries of a batch. Valid entries are committed in one transaction (one WAL sync for the batch
    /// instead of one per entry, which bounded creation at a few hundred entries per second); if that transaction
    /// fails (a duplicate, say), they are created one by one so that each gets its own status, as SPIRE reports them.
    func createEntries(request: Steeple_Server_V1_CreateEntriesRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_CreateEntriesResponse {
        try Self.checkBatchSize(request.entries.count, "create")
        var response = Steeple_Server_V1_CreateEntriesResponse()
        var valid: [(index: Int, entry: RegistrationEntry)] = []
        for proto in request.entries {
            var result = Steeple_Server_V1_EntryResult()
            result.entry = proto
            do {
                var entry = try RegistrationEntry(proto: proto, now: now())
                entry.revisionNumber = 0
                try validate(entry)
                valid.append((response.results.count, entry))
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        let batch = valid.map(\.entry)
        if let committed = try? await entryStore.createEntries(batch) {
            for (slot, stored) in zip(valid, committed) { response.results[slot.index].entry = stored.value.proto }
        } else {
            for (index, entry) in valid {
                do {
                    response.results[index].entry = try await entryStore.createEntry(entry).value.proto
                } catch {
                    response.results[index].status = Steeple_Server_V1_Status(error)
                }
            }
        }
        changes.poke()
        audit("entries created", response.results, context)
        return response
    }

    func updateEntries(request: Steeple_Server_V1_UpdateEntriesRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_UpdateEntriesResponse {
        try Self.checkBatchSize(request.entries.count, "update")
        var response = Steeple_Server_V1_UpdateEntriesResponse()
        for proto in request.entries {
            var result = Steeple_Server_V1_EntryResult()
            result.entry = proto
            do {
                guard !proto.id.isEmpty else { throw APIRefusal(.invalidRequest, "entry ID is required to update an entry") }
                guard let existing = try await entryStore.fetchEntry(id: proto.id) else {
                    throw APIRefusal(.notFound, "no entry with ID \(proto.id)")
                }
                var entry = try RegistrationEntry(proto: proto, now: existing.createdAt)
                entry.revisionNumber = existing.revisionNumber
                try validate(entry)
                result.entry = try await entryStore.updateEntry(entry).value.proto
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        changes.poke()
        audit("entries updated", response.results, context)
        return response
    }

    func deleteEntries(request: Steeple_Server_V1_DeleteEntriesRequest, context: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_DeleteEntriesResponse {
        try Self.checkBatchSize(request.ids.count, "delete")
        var response = Steeple_Server_V1_DeleteEntriesResponse()
        for id in request.ids {
            var result = Steeple_Server_V1_EntryResult()
            result.entry.id = id
            do {
                let deleted = try await entryStore.deleteEntry(id: id).value
                if let deleted { result.entry = deleted.proto }
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        changes.poke()
        audit("entries deleted", response.results, context)
        return response
    }

    func listEntries(request: Steeple_Server_V1_ListEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_ListEntriesResponse {
        var response = Steeple_Server_V1_ListEntriesResponse()
        if !request.byID.isEmpty {
            if let entry = try await entryStore.fetchEntry(id: request.byID) {
                response.entries = [entry.proto]
            }
            return response
        }
        let size = request.pageSize > 0 ? min(Int(request.pageSize), Pagination.maximumSize) : 1000
        let page = try await entryStore.listEntries(try query(request), pagination: Pagination(token: request.pageToken.isEmpty ? nil : request.pageToken, size: size))
        response.entries = page.items.map(\.proto)
        response.nextPageToken = page.nextToken ?? ""
        return response
    }

    func countEntries(request: Steeple_Server_V1_ListEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_CountResponse {
        var response = Steeple_Server_V1_CountResponse()
        response.count = Int64(try await entryStore.countEntries(try query(request)))
        return response
    }

    private func query(_ request: Steeple_Server_V1_ListEntriesRequest) throws(APIRefusal) -> RegistrationEntryQuery {
        var query = RegistrationEntryQuery()
        if !request.bySpiffeID.isEmpty { query.spiffeID = try RegistrationEntry.parseID(request.bySpiffeID, field: "spiffeID") }
        if !request.byParentID.isEmpty { query.parentID = try RegistrationEntry.parseID(request.byParentID, field: "parentID") }
        if !request.bySelectors.isEmpty {
            var selectors: [Selector] = []
            for selector in request.bySelectors {
                do {
                    selectors.append(try Selector(type: selector.type, value: selector.value))
                } catch {
                    throw APIRefusal(.invalidRequest, error.message)
                }
            }
            query.selectors = SelectorMatch(selectors, mode: try Self.matchMode(request.selectorMatch))
        }
        if !request.byFederatesWith.isEmpty {
            do {
                query.federatesWith = TrustDomainMatch([try TrustDomain(request.byFederatesWith)], mode: .superset)
            } catch {
                throw APIRefusal(.invalidRequest, "invalid federatesWith: \(error.message)")
            }
        }
        if !request.byHint.isEmpty { query.hint = request.byHint }
        if request.byDownstream { query.downstream = true }
        return query
    }

    static func matchMode(_ text: String) throws(APIRefusal) -> SetMatch {
        switch text {
        case "", "exact": .exact
        case "subset": .subset
        case "superset": .superset
        case "any": .any
        default: throw APIRefusal(.invalidRequest, "match mode \"\(text)\" is unknown: use exact, subset, superset or any")
        }
    }

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

    private func audit(_ action: String, _ results: [Steeple_Server_V1_EntryResult], _ context: GRPCCore.ServerContext) {
        audit(action, results.map { ($0.entry.id, $0.status.code == 0) }, context)
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


