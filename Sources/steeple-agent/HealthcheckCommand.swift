import ArgumentParser
import Foundation
import SPIFFEWorkloadAPI

/// `healthcheck [-shallow] [-verbose]`: the agent is healthy when its Workload API answers (SPIRE asks for the X.509
/// bundles; a caller without an identity still gets a well-formed refusal from a live agent, which counts as healthy).
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "healthcheck", abstract: "Determines the agent's health.")

    @OptionGroup var options: WorkloadAPIOptions
    @Flag(name: [.customLong("shallow", withSingleDash: true), .customLong("shallow")], help: "Only check that the agent answers.")
    var shallow = false
    @Flag(name: [.customLong("verbose", withSingleDash: true), .customLong("verbose")], help: "Print what is checked.")
    var verbose = false

    func run() async throws {
        if verbose { print("Checking agent health at \(options.socketPath)...") }
        do {
            _ = try await options.withClient { try await $0.fetchX509Bundles() }
        } catch {
            if let refusal = error as? WorkloadAPIError, refusal.code == .permissionDenied {
                if verbose { print("The agent answered (this caller has no identity).") }
                print("Agent is healthy.")
                return
            }
            FileHandle.standardError.write(Data("Agent is unhealthy: unable to determine health\n".utf8))
            if verbose { FileHandle.standardError.write(Data("\(error)\n".utf8)) }
            throw ExitCode.failure
        }
        print("Agent is healthy.")
    }
}
