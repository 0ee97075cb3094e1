import ArgumentParser
import SteepleCLI
import SPIFFE
import SPIREAPIProto
import SwiftProtobuf

/// The filters of `agent list` and `agent count` (SPIRE's spelling).
///
/// SPIRE's Agent API filters by attestation type, selectors, banned and re-attestable; `-spiffeID` and
/// `-expiresBefore` are applied here after listing (see ``AgentQuery``).
struct AgentFilterOptions: ParsableArguments {
    @Option(name: .spire("spiffeID"), help: "The SPIFFE ID of the agents to list")
    var spiffeID: String?

    @Option(name: .spire("attestationType"), help: "Filter by attestation type, like join_token or x509pop")
    var attestationType: String?

    @Option(
        name: .spire("banned"),
        help: "Filter based on string received, 'true': banned agents, 'false': not banned agents, other value will return all"
    )
    var banned: String?

    @Option(
        name: .spire("canReattest"),
        help: "Filter based on string received, 'true': agents that can reattest, 'false': agents that can't reattest, other value will return all"
    )
    var canReattest: String?

    @Option(name: .spire("expiresBefore"), help: "Filter by expiration date, in the format YYYY-MM-DD (UTC)")
    var expiresBefore: String?

    @Option(name: .spire("selector"), help: "A colon-delimited type:value selector. Can be used more than once")
    var selectors: [String] = []

    @Option(
        name: .spire("matchSelectorsOn"),
        help: "The match mode used when filtering by selectors. Options: exact, any, superset and subset"
    )
    var matchSelectorsOn: MatchBehavior = .superset

    /// The query the filters describe.
    ///
    /// - Throws: ``CLIError`` when a SPIFFE ID, selector or date is malformed.
    func query() throws(CLIError) -> AgentQuery {
        var filter = Spire_Api_Server_Agent_V1_ListAgentsRequest.Filter()
        var id: String?
        if let spiffeID {
            id = try IDArgument.spiffeID(spiffeID, flag: "spiffeID").string
        }
        filter.byAttestationType = attestationType ?? ""
        switch banned {
        case "true": filter.byBanned = .init(true)
        case "false": filter.byBanned = .init(false)
        default: break
        }
        switch canReattest {
        case "true": filter.byCanReattest = .init(true)
        case "false": filter.byCanReattest = .init(false)
        default: break
        }
        let selectors = try SelectorArgument.spire(self.selectors)
        if !selectors.isEmpty {
            var match = Spire_Api_Types_SelectorMatch()
            match.selectors = selectors
            match.match = matchSelectorsOn.selectorMatch
            filter.bySelectorMatch = match
        }
        var expiry: Int64?
        if let expiresBefore {
            guard let seconds = GoFormatting.unixSeconds(ofDate: expiresBefore) else {
                throw CLIError("date \(GoFormatting.quoted(expiresBefore)) must be formatted as YYYY-MM-DD")
            }
            expiry = seconds
        }
        return AgentQuery(filter: filter, spiffeID: id, expiresBefore: expiry)
    }
}
