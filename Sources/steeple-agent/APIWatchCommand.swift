import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFEWorkloadAPI

/// `api watch`: prints the caller's X509-SVIDs every time the agent sends an update, until interrupted.
struct APIWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Watches the caller's X509-SVID updates.")

    @Option(name: .spire("socketPath"), help: "Path of the agent's Workload API socket.")
    var socketPath: String = "/tmp/spire-agent/public/api.sock"

    func run() async throws {
        let endpoint = try WorkloadAPIOptions.endpoint(socketPath: socketPath)
        try await runReporting {
            try await withWorkloadAPIClient(endpoint: endpoint) { client in
                var last = ContinuousClock.now
                for try await context in client.watchX509Context() {
                    let now = ContinuousClock.now
                    print("Received \(context.svids.count) svid after \(X509Printing.milliseconds(now - last))\n")
                    last = now
                    for svid in context.svids { X509Printing.print(svid, bundles: context.bundles) }
                    fflush(nil)
                }
            }
        }
    }
}
