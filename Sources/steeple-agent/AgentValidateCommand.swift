import ArgumentParser
import Foundation
import SteepleAgent

/// `steeple-agent validate`: checks an agent configuration file without starting anything, as SPIRE's.
///
/// Prints SPIRE's `SPIRE agent configuration file is valid.` and exits 0, or `SPIRE agent configuration file is
/// invalid: ` and the error (file, line and what would be right) on standard error and exits 1. Keys accepted with no effect are listed on standard error as warnings.
struct AgentValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validates an agent configuration file.",
        discussion: "Takes the same flags as run; flags take precedence over the file."
    )

    @OptionGroup var options: AgentConfigurationOptions

    func run() throws {
        let configuration: AgentConfiguration
        do {
            configuration = try options.makeConfiguration()
        } catch {
            FileHandle.standardError.write(Data("SPIRE agent configuration file is invalid: \(error)\n".utf8))
            throw ExitCode.failure
        }
        for key in configuration.ignoredKeys {
            FileHandle.standardError.write(Data("warning: configuration key \(key) has no effect in Steeple\n".utf8))
        }
        print("SPIRE agent configuration file is valid.")
    }
}
