import ArgumentParser
import SteepleCLI
import SteepleServerAPIProto

/// `steeple-server healthcheck`: asks the running server whether it is healthy (`Health`).
///
/// Prints `Server is healthy.` and exits 0, or `Server is unhealthy: <reason>` on stderr and exits 1, as SPIRE.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Determines server health status"
    )

    @Flag(name: .spire("shallow"), help: "Perform a less stringent health check")
    var shallow = false

    @Flag(name: .spire("verbose"), help: "Print verbose information")
    var verbose = false

    @OptionGroup var options: AdminOptions

    func run() async throws {
        if verbose {
            Console.out("Checking server health via the admin API at \(options.socketPath)...\n")
        }
        var request = Steeple_Server_V1_HealthRequest()
        request.shallow = shallow
        let sent = request
        let response: Steeple_Server_V1_HealthResponse
        do {
            response = try await withAdminClient(socketPath: options.socketPath) { client in
                try await client.health(sent)
            }
        } catch {
            Console.err("Server is unhealthy: \(error)\n")
            throw ExitCode.failure
        }
        let report = HealthReport(response, shallow: shallow)
        if options.output == .json {
            Console.out(try ProtoJSON.line(response))
        } else if verbose {
            Console.out(report.details)
        }
        if let problem = report.problem {
            Console.err("Server is unhealthy: \(problem)\n")
            throw ExitCode.failure
        }
        if options.output == .pretty {
            Console.out("Server is healthy.\n")
        }
    }
}
