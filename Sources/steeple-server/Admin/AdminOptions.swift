import ArgumentParser
import SteepleCLI

/// The options every admin command takes: where the server's admin socket is and how to print results.
struct AdminOptions: ParsableArguments {
    /// SPIRE's `/tmp/spire-server/private/api.sock`, under Steeple's name.
    static let defaultSocketPath = "/tmp/spire-server/private/api.sock"

    @Option(name: .spire("socketPath"), help: "Path to the Steeple server admin API socket")
    var socketPath: String = AdminOptions.defaultSocketPath

    @Option(name: .spire("output"), help: "Desired output format (pretty, json)")
    var output: OutputFormat = .pretty
}
