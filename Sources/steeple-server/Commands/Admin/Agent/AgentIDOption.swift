import ArgumentParser
import SteepleCLI
import SPIFFE
import SPIREAPIProto

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

    /// The checked SPIFFE ID in the API's form.
    func spireID() throws(CLIError) -> Spire_Api_Types_SPIFFEID {
        Spire_Api_Types_SPIFFEID(try IDArgument.spiffeID(try id(), flag: "spiffeID"))
    }
}
