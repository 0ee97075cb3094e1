import GRPCCore
import SPIREAPIProto
import SwiftProtobuf

/// What `entry show` and `entry count` ask SPIRE's Entry API for: one entry by ID (`GetEntry`), or the entries a
/// filter selects (`ListEntries` / `CountEntries`), every filter applied by the server.
struct EntryQuery {
    /// `-entryID`: that entry alone.
    var entryID: String?
    /// The filters the server applies.
    var filter: Spire_Api_Server_Entry_V1_ListEntriesRequest.Filter

    /// The count request for the same filters.
    var countRequest: Spire_Api_Server_Entry_V1_CountEntriesRequest {
        var request = Spire_Api_Server_Entry_V1_CountEntriesRequest()
        var count = Spire_Api_Server_Entry_V1_CountEntriesRequest.Filter()
        if filter.hasBySpiffeID { count.bySpiffeID = filter.bySpiffeID }
        if filter.hasByParentID { count.byParentID = filter.byParentID }
        if filter.hasBySelectors { count.bySelectors = filter.bySelectors }
        if filter.hasByFederatesWith { count.byFederatesWith = filter.byFederatesWith }
        if filter.hasByHint { count.byHint = filter.byHint }
        if filter.hasByDownstream { count.byDownstream = filter.byDownstream }
        request.filter = count
        return request
    }

    /// SPIRE's page size for `entry show`.
    static let pageSize: Int32 = 500

    /// Every entry the query selects, following pages until the server has no more.
    func fetchAll(_ client: SPIREEntryClient) async throws -> [Spire_Api_Types_Entry] {
        if let entryID {
            var request = Spire_Api_Server_Entry_V1_GetEntryRequest()
            request.id = entryID
            do {
                return [try await client.getEntry(request)]
            } catch let error as RPCError {
                throw CLIError("error fetching entry ID \(entryID): \(error.goDescription)")
            }
        }
        return try await Paging.collect { token in
            var page = Spire_Api_Server_Entry_V1_ListEntriesRequest()
            page.filter = filter
            page.pageToken = token
            page.pageSize = Self.pageSize
            let response = try await client.listEntries(page)
            return Paging.Page(items: response.entries, nextPageToken: response.nextPageToken)
        }
    }
}
