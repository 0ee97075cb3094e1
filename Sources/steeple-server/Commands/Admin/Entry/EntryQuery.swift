import SteepleServerAPIProto

/// What `entry show` and `entry count` ask the server for, plus the part of the filter the admin API cannot
/// express.
///
/// `ListEntriesRequest` filters by one trust domain (`by_federates_with`, entries federating with it) and has no
/// match mode for it, while SPIRE takes several `-federatesWith` and `-matchFederatesWithOn`. The server is given
/// the one trust domain when that is the same query (`superset` or `any` of one trust domain); otherwise the
/// entries are filtered here.
struct EntryQuery {
    /// The filters the server applies, without paging.
    var request: Steeple_Server_V1_ListEntriesRequest
    /// Trust domain names from `-federatesWith`.
    var federatesWith: [String]
    /// `-matchFederatesWithOn`.
    var federatesWithMatch: MatchBehavior

    init(request: Steeple_Server_V1_ListEntriesRequest, federatesWith: [String], federatesWithMatch: MatchBehavior) {
        self.request = request
        self.federatesWith = federatesWith
        self.federatesWithMatch = federatesWithMatch
        if federatesWith.count == 1, federatesWithMatch == .superset || federatesWithMatch == .any {
            self.request.byFederatesWith = federatesWith[0]
        }
    }

    /// Whether entries must be filtered here, after listing, so counting needs a listing too.
    var filtersLocally: Bool {
        !federatesWith.isEmpty && request.byFederatesWith.isEmpty
    }

    /// Whether `entry` passes the `-federatesWith` filter (always true without one).
    func keeps(_ entry: Steeple_Server_V1_Entry) -> Bool {
        guard !federatesWith.isEmpty else { return true }
        let names = entry.federatesWith.map { $0.hasPrefix("spiffe://") ? String($0.dropFirst(9)) : $0 }
        return federatesWithMatch.matches(names, filter: federatesWith)
    }

    /// The request for the page after `pageToken`.
    func page(_ pageToken: String, size: Int32) -> Steeple_Server_V1_ListEntriesRequest {
        var request = request
        request.pageToken = pageToken
        request.pageSize = size
        return request
    }

    /// SPIRE's page size for `entry show`.
    static let pageSize: Int32 = 500

    /// Every entry that passes the query, following pages until the server has no more.
    func fetchAll(_ listEntries: (Steeple_Server_V1_ListEntriesRequest) async throws -> Steeple_Server_V1_ListEntriesResponse) async throws -> [Steeple_Server_V1_Entry] {
        let entries = try await Paging.collect { token in
            let response = try await listEntries(page(token, size: Self.pageSize))
            return Paging.Page(items: response.entries, nextPageToken: response.nextPageToken)
        }
        return entries.filter(keeps)
    }
}
