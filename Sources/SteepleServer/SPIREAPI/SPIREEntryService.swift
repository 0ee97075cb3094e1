import GRPCCore
import Logging
import SPIFFE
import SPIREAPIProto
import SteepleDatastore
import SwiftProtobuf

/// SPIRE's Entry API (`spire.api.server.entry.v1.Entry`): a thin adapter over the operations of
/// ``AdminAPIService``, with SPIRE's messages, masks, paging and per-item statuses, and for agents their authorized
/// entries from the entry index.
struct SPIREEntryService: Spire_Api_Server_Entry_V1_Entry.SimpleServiceProtocol {
    let admin: AdminAPIService
    let entries: any EntryAuthorizer
    /// Above this many authorized entries, SyncAuthorizedEntries sends revisions first (SPIRE's default, 500).
    var syncPageSize = 500

    func countEntries(request: Spire_Api_Server_Entry_V1_CountEntriesRequest, context _: ServerContext) async throws -> Spire_Api_Server_Entry_V1_CountEntriesResponse {
        let query = try Self.query(request.filter)
        var response = Spire_Api_Server_Entry_V1_CountEntriesResponse()
        response.count = Int32(clamping: try await admin.entryStore.countEntries(query))
        return response
    }

    func listEntries(request: Spire_Api_Server_Entry_V1_ListEntriesRequest, context _: ServerContext) async throws -> Spire_Api_Server_Entry_V1_ListEntriesResponse {
        let query = try Self.query(request.filter)
        let pagination = try SPIREPageToken.pagination(request.pageToken, size: request.pageSize, .entries)
        let page = try await admin.entryStore.listEntries(query, pagination: pagination)
        let mask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Entry_V1_ListEntriesResponse()
        response.entries = page.items.map { $0.spireProto.masked(mask) }
        response.nextPageToken = SPIREPageToken.encode(page.nextToken, .entries)
        return response
    }

    func getEntry(request: Spire_Api_Server_Entry_V1_GetEntryRequest, context _: ServerContext) async throws -> Spire_Api_Types_Entry {
        guard !request.id.isEmpty else { throw RPCError(code: .invalidArgument, message: "missing ID") }
        guard let entry = try await admin.entryStore.fetchEntry(id: request.id) else {
            throw RPCError(code: .notFound, message: "entry not found")
        }
        return entry.spireProto.masked(request.hasOutputMask ? request.outputMask : nil)
    }

    /// Valid entries go to the store in one transaction when they can (one WAL sync per batch); a duplicate makes
    /// that transaction fail, and then each is created alone so that each gets its own status, as SPIRE's do.
    func batchCreateEntry(request: Spire_Api_Server_Entry_V1_BatchCreateEntryRequest, context: ServerContext) async throws -> Spire_Api_Server_Entry_V1_BatchCreateEntryResponse {
        try AdminAPIService.checkBatchSize(request.entries.count, "create")
        let mask = request.hasOutputMask ? request.outputMask : nil
        var results = [Spire_Api_Server_Entry_V1_BatchCreateEntryResponse.Result](repeating: .init(), count: request.entries.count)
        var valid: [(index: Int, entry: RegistrationEntry)] = []
        for (index, proto) in request.entries.enumerated() {
            do {
                let entry = try RegistrationEntry(spire: proto, now: admin.now())
                try admin.validate(entry)
                valid.append((index, entry))
            } catch {
                results[index].status = Spire_Api_Types_Status(error, prefix: "failed to convert entry")
            }
        }
        if let committed = try? await admin.entryStore.createEntries(valid.map(\.entry)) {
            for (slot, stored) in zip(valid, committed) {
                results[slot.index].status = .ok
                results[slot.index].entry = stored.value.spireProto.masked(mask)
            }
        } else {
            for (index, entry) in valid {
                do {
                    results[index].entry = try await admin.entryStore.createEntry(entry).value.spireProto.masked(mask)
                    results[index].status = .ok
                } catch let error where error.code == .alreadyExists {
                    if let similar = try await similarEntry(to: entry) {
                        results[index].status = Spire_Api_Types_Status(code: .alreadyExists, message: "similar entry already exists")
                        results[index].entry = similar.spireProto.masked(mask)
                    } else {
                        results[index].status = Spire_Api_Types_Status(error, prefix: "failed to create entry")
                    }
                } catch {
                    results[index].status = Spire_Api_Types_Status(error, prefix: "failed to create entry")
                }
            }
        }
        admin.changes.poke()
        admin.audit("entries created", results.map { ($0.entry.id, $0.status.isOK) }, context)
        var response = Spire_Api_Server_Entry_V1_BatchCreateEntryResponse()
        response.results = results
        return response
    }

    /// Each entry is read, the fields the input mask names (all without a mask) are applied, and the result is
    /// checked as a new entry would be; a mask that names no field is refused for every item, so nothing is written.
    func batchUpdateEntry(request: Spire_Api_Server_Entry_V1_BatchUpdateEntryRequest, context: ServerContext) async throws -> Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse {
        try AdminAPIService.checkBatchSize(request.entries.count, "update")
        let inputMask = request.hasInputMask ? request.inputMask : nil
        let outputMask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse()
        for proto in request.entries {
            var result = Spire_Api_Server_Entry_V1_BatchUpdateEntryResponse.Result()
            do {
                if let inputMask, !inputMask.namesAField {
                    throw APIRefusal(.invalidRequest, "input_mask names no field: set the fields to update (spiffe_id, parent_id, selectors, …) or leave the mask out to update them all")
                }
                guard !proto.id.isEmpty else { throw APIRefusal(.invalidRequest, "missing entry ID") }
                guard var entry = try await admin.entryStore.fetchEntry(id: proto.id) else {
                    throw APIRefusal(.notFound, "no such registration entry")
                }
                try entry.apply(proto, mask: inputMask)
                try admin.validate(entry)
                result.entry = try await admin.entryStore.updateEntry(entry).value.spireProto.masked(outputMask)
                result.status = .ok
            } catch let error as APIRefusal where error.reason == .invalidRequest {
                result.status = Spire_Api_Types_Status(error, prefix: "failed to convert entry")
            } catch let error as EntryValidator.Failure {
                result.status = Spire_Api_Types_Status(error, prefix: "failed to convert entry")
            } catch {
                result.status = Spire_Api_Types_Status(error, prefix: "failed to update entry")
            }
            response.results.append(result)
        }
        admin.changes.poke()
        admin.audit("entries updated", response.results.map { ($0.entry.id, $0.status.isOK) }, context)
        return response
    }

    func batchDeleteEntry(request: Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest, context: ServerContext) async throws -> Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse {
        try AdminAPIService.checkBatchSize(request.ids.count, "delete")
        var response = Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse()
        for id in request.ids {
            var result = Spire_Api_Server_Entry_V1_BatchDeleteEntryResponse.Result()
            result.id = id
            if id.isEmpty {
                result.status = Spire_Api_Types_Status(code: .invalidArgument, message: "missing entry ID")
            } else {
                do {
                    _ = try await admin.entryStore.deleteEntry(id: id)
                    result.status = .ok
                } catch where error.code == .notFound {
                    result.status = Spire_Api_Types_Status(code: .notFound, message: "entry not found")
                } catch {
                    result.status = Spire_Api_Types_Status(error, prefix: "failed to delete entry")
                }
            }
            response.results.append(result)
        }
        admin.changes.poke()
        admin.audit("entries deleted", response.results.map { ($0.id, $0.status.isOK) }, context)
        return response
    }

    func getAuthorizedEntries(request: Spire_Api_Server_Entry_V1_GetAuthorizedEntriesRequest, context _: ServerContext) async throws -> Spire_Api_Server_Entry_V1_GetAuthorizedEntriesResponse {
        let node = try AuthenticatedAgent.required().node
        let mask = request.hasOutputMask ? request.outputMask : nil
        var response = Spire_Api_Server_Entry_V1_GetAuthorizedEntriesResponse()
        response.entries = authorized(for: node).map { $0.spireProto.masked(mask) }
        return response
    }

    /// SPIRE's sync: every authorized entry at once when there are at most ``syncPageSize``; else pages of
    /// revisions, then the entries the agent asks for by ID, in pages, until it closes the stream.
    func syncAuthorizedEntries(
        request: RPCAsyncSequence<Spire_Api_Server_Entry_V1_SyncAuthorizedEntriesRequest, any Error>,
        response: RPCWriter<Spire_Api_Server_Entry_V1_SyncAuthorizedEntriesResponse>,
        context _: ServerContext
    ) async throws {
        let node = try AuthenticatedAgent.required().node
        var requests = request.makeAsyncIterator()
        guard let first = try await requests.next() else { return }
        guard first.ids.isEmpty else { throw RPCError(code: .invalidArgument, message: "specifying IDs on initial request is not supported") }
        let mask = first.hasOutputMask ? first.outputMask : nil
        if let mask, !mask.revisionNumber { throw RPCError(code: .invalidArgument, message: "revision number cannot be masked") }
        let entries = authorized(for: node)
        guard entries.count > syncPageSize else {
            var message = Spire_Api_Server_Entry_V1_SyncAuthorizedEntriesResponse()
            message.entries = entries.map { $0.spireProto.masked(mask) }
            try await response.write(message)
            return
        }
        var offset = 0
        while offset < entries.count {
            let end = min(offset + syncPageSize, entries.count)
            var message = Spire_Api_Server_Entry_V1_SyncAuthorizedEntriesResponse()
            message.entryRevisions = entries[offset..<end].map { entry in
                var revision = Spire_Api_Server_Entry_V1_EntryRevision()
                revision.id = entry.id
                revision.revisionNumber = entry.revisionNumber
                revision.createdAt = UnixTime.clampedSeconds(entry.createdAt)
                return revision
            }
            message.more = end < entries.count
            try await response.write(message)
            offset = end
        }
        let byID = Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        while let next = try await requests.next() {
            var message = Spire_Api_Server_Entry_V1_SyncAuthorizedEntriesResponse()
            for id in next.ids.sorted() {
                guard let entry = byID[id] else { continue }
                if message.entries.count == syncPageSize {
                    message.more = true
                    try await response.write(message)
                    message = Spire_Api_Server_Entry_V1_SyncAuthorizedEntriesResponse()
                }
                message.entries.append(entry.spireProto.masked(mask))
            }
            message.more = false
            try await response.write(message)
        }
    }

    /// The agent's authorized entries, by ID.
    private func authorized(for node: AttestedNode) -> [RegistrationEntry] {
        entries.authorizedEntries(for: node.spiffeID).values.sorted { $0.id < $1.id }
    }

    /// The stored entry with the same SPIFFE ID, parent ID and selectors as `entry`, if any.
    private func similarEntry(to entry: RegistrationEntry) async throws -> RegistrationEntry? {
        var query = RegistrationEntryQuery()
        query.spiffeID = entry.spiffeID
        query.parentID = entry.parentID
        query.selectors = SelectorMatch(entry.selectors, mode: .exact)
        return try await admin.entryStore.listEntries(query).first
    }

    /// A store query from SPIRE's filter (CountEntries' and ListEntries' are the same fields), with SPIRE's messages
    /// for the malformed ones.
    private static func query(_ filter: some SPIREEntryFilter) throws -> RegistrationEntryQuery {
        let spiffeID = filter.hasBySpiffeID ? filter.bySpiffeID : nil
        let parentID = filter.hasByParentID ? filter.byParentID : nil
        let selectors = filter.hasBySelectors ? filter.bySelectors : nil
        let federatesWith = filter.hasByFederatesWith ? filter.byFederatesWith : nil
        var query = RegistrationEntryQuery()
        if let spiffeID {
            do { query.spiffeID = try SPIFFEID(spiffeID) } catch { throw RPCError(error, prefix: "malformed SPIFFE ID filter") }
        }
        if let parentID {
            do { query.parentID = try SPIFFEID(parentID) } catch { throw RPCError(error, prefix: "malformed parent ID filter") }
        }
        if let selectors {
            let parsed: [Selector]
            do { parsed = try RegistrationEntry.parseSelectors(selectors.selectors) } catch { throw RPCError(error, prefix: "malformed selectors filter") }
            guard !parsed.isEmpty else { throw RPCError(code: .invalidArgument, message: "malformed selectors filter: empty selector set") }
            query.selectors = SelectorMatch(parsed, mode: SetMatch(selectors.match))
        }
        if let federatesWith {
            var domains: [TrustDomain] = []
            for name in federatesWith.trustDomains {
                do { domains.append(try TrustDomain(name)) } catch { throw RPCError(error, prefix: "malformed federates with filter") }
            }
            guard !domains.isEmpty else { throw RPCError(code: .invalidArgument, message: "malformed federates with filter: empty trust domain set") }
            query.federatesWith = TrustDomainMatch(domains, mode: SetMatch(federatesWith.match))
        }
        query.hint = filter.hasByHint ? filter.byHint.value : nil
        // As SPIRE's datastore: by_downstream true keeps downstream entries only; false filters nothing (SPIRE's CLI
        // always sends it, false unless -downstream, and still lists every entry).
        query.downstream = filter.hasByDownstream && filter.byDownstream.value ? true : nil
        return query
    }
}

/// The filter fields CountEntriesRequest and ListEntriesRequest share (two generated types, one shape).
protocol SPIREEntryFilter {
    var hasBySpiffeID: Bool { get }
    var bySpiffeID: Spire_Api_Types_SPIFFEID { get }
    var hasByParentID: Bool { get }
    var byParentID: Spire_Api_Types_SPIFFEID { get }
    var hasBySelectors: Bool { get }
    var bySelectors: Spire_Api_Types_SelectorMatch { get }
    var hasByFederatesWith: Bool { get }
    var byFederatesWith: Spire_Api_Types_FederatesWithMatch { get }
    var hasByHint: Bool { get }
    var byHint: Google_Protobuf_StringValue { get }
    var hasByDownstream: Bool { get }
    var byDownstream: Google_Protobuf_BoolValue { get }
}

extension Spire_Api_Server_Entry_V1_CountEntriesRequest.Filter: SPIREEntryFilter {}
extension Spire_Api_Server_Entry_V1_ListEntriesRequest.Filter: SPIREEntryFilter {}

extension SetMatch {
    init(_ match: Spire_Api_Types_SelectorMatch.MatchBehavior) {
        switch match {
        case .matchSubset: self = .subset
        case .matchSuperset: self = .superset
        case .matchAny: self = .any
        default: self = .exact
        }
    }

    init(_ match: Spire_Api_Types_FederatesWithMatch.MatchBehavior) {
        switch match {
        case .matchSubset: self = .subset
        case .matchSuperset: self = .superset
        case .matchAny: self = .any
        default: self = .exact
        }
    }
}
