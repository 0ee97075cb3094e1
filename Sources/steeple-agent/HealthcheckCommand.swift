import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFEWorkloadAPI
import SteepleAgent

/// `healthcheck [-shallow] [-verbose]`: the agent is healthy when its Workload API answers and the agent can serve
/// valid SVIDs. Like SPIRE's, a caller without an identity still gets a well-formed refusal from a live agent, which
/// counts as healthy; unlike SPIRE's, an agent that answers but cannot serve (banned, evicted, its own SVID expired,
/// issuance stuck, server unreachable with nothing synced) is reported unhealthy with the reason.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck", abstract: "Determines the agent's health.")

    @OptionGroup var options: WorkloadAPIOptions
    @Flag(name: .spire("shallow"), help: "Only check that the agent answers.")
    var shallow = false
    @Flag(name: .spire("verbose"), help: "Print what is checked.")
    var verbose = false

    func run() async throws {
        if verbose { print("Checking agent health at \(options.socketPath)...") }
        let address = try options.endpoint().address
        guard case WorkloadAPIEndpoint.Address.unixSocket(let path) = address else {
            throw ValidationError("-socketPath must name a Unix socket")
        }
        switch await AgentHealthProbe.check(socketPath: path, timeout: try options.timeoutDuration) {
        case .healthy:
            if verbose { print("The agent answered and can serve valid SVIDs.") }
        case .healthyWithoutIdentity:
            if verbose { print("The agent answered and can serve valid SVIDs (this caller has no identity).") }
        case .unhealthy(let reason):
            if shallow {
                if verbose { print("The agent answered (-shallow: its SVID state is not judged): \(reason)") }
            } else {
                FileHandle.standardError.write(Data("Agent is unhealthy: \(reason)\n".utf8))
                throw ExitCode.failure
            }
        case .unreachable(let error):
            FileHandle.standardError.write(Data("Agent is unhealthy: unable to determine health\n".utf8))
            if verbose { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            throw ExitCode.failure
        }
        print("Agent is healthy.")
    }
}
