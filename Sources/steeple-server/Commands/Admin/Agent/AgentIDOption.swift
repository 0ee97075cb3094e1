import ArgumentParser
import SteepleCLI
import SPIFFE

/// The `-spiffeID` of `agent show`, `agent evict` and `agent ban`: the agent's identity.
struct AgentIDOption: ParsableArguments {
    @Option(name: .spire("spiffeID"), help: "The SPIFFE ID of the agent (agent identity)")
    var spiffeID: String?

    /// The checked SPIFFE ID.
    ///
    /// - Throws: ``CLIError`` `a SPIFFE ID is required`, or naming the malformed ID.
    func id() throws(CLIError) -> String {
        guard let spiffeID, !spiffeID.isEmpty else {
            throw CLIError("a SPIFFE ID is required")
        }
        return try IDArgument.spiffeID(spiffeID, flag: "spiffeID").string
    }
}
