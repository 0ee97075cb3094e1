import ArgumentParser
import SteepleServer

/// `steeple-server validate`: checks a configuration file without starting anything.
///
/// Prints SPIRE's `SPIRE server configuration file is valid.` and exits 0, or `SPIRE server configuration file is
/// invalid: ` and the error (code, file, line and what would be right) on standard error and exits 1, so scripts that
/// grep SPIRE's words keep working. Accepted-and-ignored keys and SPIRE's TTL warnings are listed on standard error.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validates a server configuration file.",
        discussion: "Takes the same flags as run; flags take precedence over the file."
    )

    @OptionGroup var options: ServerConfigurationOptions

    func run() throws {
        let configuration: ServerConfiguration
        do {
            configuration = try options.makeConfiguration()
        } catch {
            StandardError.writeLine("SPIRE server configuration file is invalid: \(error)")
            throw ExitCode.failure
        }
        for setting in configuration.ignoredSettings {
            StandardError.writeLine("warning: \(ServerLogging.describe(setting, in: configuration.configurationFile))")
        }
        for warning in configuration.ttlWarnings {
            StandardError.writeLine("warning: \(warning)")
        }
        print("SPIRE server configuration file is valid.")
    }
}
