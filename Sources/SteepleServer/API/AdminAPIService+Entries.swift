import GRPCCore
import SPIFFE
import SteepleDatastore
import SteepleServerAPIProto

extension AdminAPIService {
    /// Creates the entries of a batch. Valid entries are committed in one transaction (one WAL sync for the batch
    /// instead of one per entry, which bounded creation at a few hundred entries per second); if that transaction
    /// fails (a duplicate, say), they are created one by one so that each gets its own status, as SPIRE reports them.
    func createEntries(request: Steeple_Server_V1_CreateEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_CreateEntriesResponse {
        var response = Steeple_Server_V1_CreateEntriesResponse()
        var valid: [(index: Int, entry: RegistrationEntry)] = []
        for proto in request.entries {
            var result = Steeple_Server_V1_EntryResult()
            result.entry = proto
            do {
                var entry = try RegistrationEntry(proto: proto, now: core.now())
                entry.revisionNumber = 0
                try validate(entry)
                valid.append((response.results.count, entry))
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        let batch = valid.map(\.entry)
        if let committed = try? await core.store.createEntries(batch) {
            for (slot, stored) in zip(valid, committed) { response.results[slot.index].entry = stored.value.proto }
        } else {
            for (index, entry) in valid {
                do {
                    response.results[index].entry = try await storeCall { try await core.store.createEntry(entry) }.value.proto
                } catch {
                    response.results[index].status = Steeple_Server_V1_Status(error)
                }
            }
        }
        core.index.poke()
        return response
    }

    func updateEntries(request: Steeple_Server_V1_UpdateEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_UpdateEntriesResponse {
        var response = Steeple_Server_V1_UpdateEntriesResponse()
        for proto in request.entries {
            var result = Steeple_Server_V1_EntryResult()
            result.entry = proto
            do {
                guard !proto.id.isEmpty else { throw RPCError(code: .invalidArgument, message: "entry ID is required to update an entry") }
                guard let existing = try await storeCall({ try await core.store.fetchEntry(id: proto.id) }) else {
                    throw RPCError(code: .notFound, message: "no entry with ID \(proto.id)")
                }
                var entry = try RegistrationEntry(proto: proto, now: existing.createdAt)
                entry.revisionNumber = existing.revisionNumber
                try validate(entry)
                result.entry = try await storeCall { try await core.store.updateEntry(entry) }.value.proto
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        core.index.poke()
        return response
    }

    func deleteEntries(request: Steeple_Server_V1_DeleteEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_DeleteEntriesResponse {
        var response = Steeple_Server_V1_DeleteEntriesResponse()
        for id in request.ids {
            var result = Steeple_Server_V1_EntryResult()
            result.entry.id = id
            do {
                result.entry = try await storeCall { try await core.store.deleteEntry(id: id) }.value.proto
            } catch {
                result.status = Steeple_Server_V1_Status(error)
            }
            response.results.append(result)
        }
        core.index.poke()
        return response
    }

    func listEntries(request: Steeple_Server_V1_ListEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_ListEntriesResponse {
        var response = Steeple_Server_V1_ListEntriesResponse()
        if !request.byID.isEmpty {
            if let entry = try await storeCall({ try await core.store.fetchEntry(id: request.byID) }) {
                response.entries = [entry.proto]
            }
            return response
        }
        let size = request.pageSize > 0 ? min(Int(request.pageSize), Pagination.maximumSize) : 1000
        let page = try await storeCall {
            try await core.store.listEntries(try query(request), pagination: Pagination(token: request.pageToken.isEmpty ? nil : request.pageToken, size: size))
        }
        response.entries = page.items.map(\.proto)
        response.nextPageToken = page.nextToken ?? ""
        return response
    }

    func countEntries(request: Steeple_Server_V1_ListEntriesRequest, context _: GRPCCore.ServerContext) async throws -> Steeple_Server_V1_CountResponse {
        var response = Steeple_Server_V1_CountResponse()
        response.count = Int64(try await storeCall { try await core.store.countEntries(try query(request)) })
        return response
    }

    private func query(_ request: Steeple_Server_V1_ListEntriesRequest) throws(RPCError) -> RegistrationEntryQuery {
        var query = RegistrationEntryQuery()
        if !request.bySpiffeID.isEmpty { query.spiffeID = try RegistrationEntry.parseID(request.bySpiffeID, field: "spiffeID") }
        if !request.byParentID.isEmpty { query.parentID = try RegistrationEntry.parseID(request.byParentID, field: "parentID") }
        if !request.bySelectors.isEmpty {
            var selectors: [Selector] = []
            for selector in request.bySelectors {
                do {
                    selectors.append(try Selector(type: selector.type, value: selector.value))
                } catch {
                    throw RPCError(code: .invalidArgument, message: error.message)
                }
            }
            query.selectors = SelectorMatch(selectors, mode: try Self.matchMode(request.selectorMatch))
        }
        if !request.byFederatesWith.isEmpty {
            do {
                query.federatesWith = TrustDomainMatch([try TrustDomain(request.byFederatesWith)], mode: .superset)
            } catch {
                throw RPCError(code: .invalidArgument, message: "invalid federatesWith: \(error.message)")
            }
        }
        if !request.byHint.isEmpty { query.hint = request.byHint }
        if request.byDownstream { query.downstream = true }
        return query
    }

    static func matchMode(_ text: String) throws(RPCError) -> SetMatch {
        switch text {
        case "", "exact": .exact
        case "subset": .subset
        case "superset": .superset
        case "any": .any
        default: throw RPCError(code: .invalidArgument, message: "match mode \"\(text)\" is unknown: use exact, subset, superset or any")
        }
    }

    func validate(_ entry: RegistrationEntry) throws(RPCError) {
        do {
            try core.validator.validate(entry)
        } catch {
            throw RPCError(code: .invalidArgument, message: error.message)
        }
    }
}

/// Runs a store call, turning a `DatastoreError` into the matching gRPC status.
func storeCall<T>(_ body: () async throws -> T) async throws(RPCError) -> T {
    do {
        return try await body()
    } catch let error as DatastoreError {
        throw error.rpcError
    } catch let error as RPCError {
        throw error
    } catch {
        throw RPCError(code: .internalError, message: "\(error)")
    }
}

extension Steeple_Server_V1_Status {
    init(_ error: any Error) {
        if let rpc = error as? RPCError {
            self.init(rpc)
        } else if let store = error as? DatastoreError {
            self.init(store.rpcError)
        } else {
            self.init(RPCError(code: .internalError, message: "\(error)"))
        }
    }
}
