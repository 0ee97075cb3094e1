import ArgumentParser
import SteepleServer

/// `steeple-server validate`: checks a configuration file without starting anything.
///
/// Prints `Configuration is valid` and exits 0, or prints the error (code, file, line and what would be right) to
/// standard error and exits 1. Accepted-and-ignored keys are listed on standard error as warnings.
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
            StandardError.writeLine("\(error)")
            throw ExitCode.failure
        }
        for setting in configuration.ignoredSettings {
            StandardError.writeLine("warning: \(ServerLogging.describe(setting, in: configuration.configurationFile))")
        }
        print("Configuration is valid")
    }
}
