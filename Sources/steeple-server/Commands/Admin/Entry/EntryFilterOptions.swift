import ArgumentParser
import SteepleCLI
import SPIFFE
import SPIREAPIProto
import SwiftProtobuf

/// The filters of `entry show` and `entry count` (SPIRE's spelling and defaults).
struct EntryFilterOptions: ParsableArguments {
    @Option(name: .spire("entryID"), help: "The Entry ID of the records to show")
    var entryID: String?

    @Option(name: .spire("spiffeID"), help: "The SPIFFE ID of the records to show")
    var spiffeID: String?

    @Option(name: .spire("parentID"), help: "The Parent ID of the records to show")
    var parentID: String?

    @Option(name: .spire("selector"), help: "A colon-delimited type:value selector. Can be used more than once")
    var selectors: [String] = []

    @Option(
        name: .spire("matchSelectorsOn"),
        help: "The match mode used when filtering by selectors. Options: exact, any, superset and subset"
    )
    var matchSelectorsOn: MatchBehavior = .superset

    @Option(
        name: .spire("federatesWith"),
        help: "SPIFFE ID of a trust domain an entry is federate with. Can be used more than once"
    )
    var federatesWith: [String] = []

    @Option(
        name: .spire("matchFederatesWithOn"),
        help: "The match mode used when filtering by federates with. Options: exact, any, superset and subset"
    )
    var matchFederatesWithOn: MatchBehavior = .superset

    @Option(name: .spire("hint"), help: "The Hint of the records to show (optional)")
    var hint: String?

    @Flag(
        name: .spire("downstream"),
        help: "A boolean value that, when set, indicates that the entry describes a downstream server"
    )
    var downstream = false

    /// The query the filters describe.
    ///
    /// - Throws: ``CLIError`` when `-entryID` is combined with other filters (SPIRE's rule) or an ID, trust domain
    ///   or selector is malformed.
    func query() throws(CLIError) -> EntryQuery {
        if let entryID, !entryID.isEmpty, spiffeID != nil || parentID != nil || !selectors.isEmpty {
            throw CLIError("the -entryID flag can't be combined with others")
        }
        var filter = Spire_Api_Server_Entry_V1_ListEntriesRequest.Filter()
        if let spiffeID {
            filter.bySpiffeID = try IDArgument.spireID(spiffeID, flag: "spiffeID")
        }
        if let parentID {
            filter.byParentID = try IDArgument.spireID(parentID, flag: "parentID")
        }
        if !selectors.isEmpty {
            var match = Spire_Api_Types_SelectorMatch()
            match.selectors = try SelectorArgument.parse(selectors)
            match.match = matchSelectorsOn.selectorMatch
            filter.bySelectors = match
        }
        if !federatesWith.isEmpty {
            var match = Spire_Api_Types_FederatesWithMatch()
            match.trustDomains = try federatesWith.map { (text) throws(CLIError) in
                try IDArgument.trustDomain(text, flag: "federatesWith").name
            }
            match.match = matchFederatesWithOn.federatesWithMatch
            filter.byFederatesWith = match
        }
        if let hint, !hint.isEmpty {
            filter.byHint = .init(hint)
        }
        // As SPIRE's CLI: always sent; false filters nothing (SPIRE's datastore filters only on true).
        filter.byDownstream = .init(downstream)
        return EntryQuery(entryID: (entryID ?? "").isEmpty ? nil : entryID, filter: filter)
    }
}
