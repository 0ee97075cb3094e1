import SPIFFE
import SteepleDatastore

/// The registration entries of the scale and cold-start benchmarks: entry `i` is
/// `spiffe://<td>/group/<g>/workload/<i>` with `g = i % groups`, parented to the node alias
/// `spiffe://<td>/group/<g>` and selected by `unix:uid:<i>`. Every agent of group `g` (a join token made with
/// `-spiffeID spiffe://<td>/group/<g>`) is authorized for that group's entries plus its own alias entry.
struct BenchEntries {
    let trustDomain: String
    let count: Int
    let groups: Int

    func groupID(_ group: Int) -> String { "spiffe://\(trustDomain)/group/\(group)" }
    func group(ofEntry index: Int) -> Int { index % groups }
    func spiffeID(ofEntry index: Int) -> String { groupID(group(ofEntry: index)) + "/workload/\(index)" }

    /// How many of the entries belong to `group`.
    func entries(inGroup group: Int) -> Int { count / groups + (group < count % groups ? 1 : 0) }

    /// Entries `indices` as the datastore stores them, each selected by `unix:uid:<i>`.
    func registrationEntries(_ indices: Range<Int>) throws -> [RegistrationEntry] {
        try indices.map { index in
            RegistrationEntry(
                spiffeID: try SPIFFEID(spiffeID(ofEntry: index)),
                parentID: try SPIFFEID(groupID(group(ofEntry: index))),
                selectors: [try SteepleDatastore.Selector(type: "unix", value: "uid:\(index)")]
            )
        }
    }

    /// Writes every entry into `store` 10,000 per `createEntries` transaction, each with its change-log rows, as a
    /// server would (the admin API commits one entry per transaction and is far slower at 1M).
    func write(to store: some RegistrationEntryStore) async throws {
        for batchStart in stride(from: 0, to: count, by: 10_000) {
            _ = try await store.createEntries(try registrationEntries(batchStart..<min(count, batchStart + 10_000)))
        }
    }
}
