import ArgumentParser
import GRPCCore
import SteepleAgent
import SteepleCLI
import Foundation
import SPIFFEWorkloadAPI

/// `api watch`: prints the caller's X509-SVIDs every time the agent sends an update, until interrupted. As SPIRE's
/// (go-spiffe's watcher), a failed or ended stream is printed to stderr and retried with back-off (1 s, 2 s, 3 s …
/// up to 30 s), so a watch started before the caller's entry exists prints the SVID once it does; only InvalidArgument
/// (and an interrupt) end it.
struct APIWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Watches the caller's X509-SVID updates.")

    @Option(name: .spire("socketPath"), help: "Path of the agent's Workload API socket.")
    var socketPath: String = "/tmp/spire-agent/public/api.sock"

    func run() async throws {
        let endpoint = try WorkloadAPIOptions.endpoint(socketPath: socketPath)
        var last = ContinuousClock.now
        var delay = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                try await withWorkloadAPIClient(endpoint: endpoint) { client in
                    for try await context in client.watchX509Context() {
                        let now = ContinuousClock.now
                        print("Received \(context.svids.count) svid after \(X509Printing.milliseconds(now - last))\n")
                        last = now
                        delay = .seconds(1)
                        for svid in context.svids { X509Printing.print(svid, bundles: context.bundles) }
                        fflush(nil)
                    }
                }
                FileHandle.standardError.write(Data("the Workload API ended the stream\n".utf8))
            } catch let error as WorkloadAPIError {
                FileHandle.standardError.write(Data("\(error.goDescription)\n".utf8))
                if error.code == .invalidArgument || (error.cause as? RPCError)?.code == .invalidArgument { throw ExitCode.failure }
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
            }
            try await Task.sleep(for: delay)
            // go-spiffe's back-off grows linearly.
            delay = min(delay + .seconds(1), .seconds(30))
        }
    }
}
