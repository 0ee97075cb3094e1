import ArgumentParser
import SteepleCLI
import SPIFFE
import SteepleServerAPIProto

/// The filters of `agent list` and `agent count` (SPIRE's spelling).
///
/// The admin API filters by SPIFFE ID, attestation type and banned state; selectors, `-canReattest` and
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
        var request = Steeple_Server_V1_ListAgentsRequest()
        if let spiffeID {
            request.bySpiffeID = try IDArgument.spiffeID(spiffeID, flag: "spiffeID").string
        }
        request.byAttestationType = attestationType ?? ""
        switch banned {
        case "true": request.byBanned = 1
        case "false": request.byBanned = 2
        default: request.byBanned = 0
        }
        var expiry: Int64?
        if let expiresBefore {
            guard let seconds = GoFormatting.unixSeconds(ofDate: expiresBefore) else {
                throw CLIError("date \(GoFormatting.quoted(expiresBefore)) must be formatted as YYYY-MM-DD")
            }
            expiry = seconds
        }
        let reattest: Bool? = switch canReattest {
        case "true": true
        case "false": false
        default: nil
        }
        return AgentQuery(
            request: request,
            selectors: try SelectorArgument.parse(selectors),
            selectorMatch: matchSelectorsOn,
            canReattest: reattest,
            expiresBefore: expiry
        )
    }
}
