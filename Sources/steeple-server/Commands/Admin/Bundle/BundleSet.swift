import ArgumentParser
import SteepleCLI
import SPIFFE
import SteepleServerAPIProto

/// `bundle set`: creates or replaces a federated bundle (`SetFederatedBundle`) from a file or stdin.
struct BundleSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Creates or updates bundle data"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String?

    @Option(name: .spire("path"), help: "Path to the bundle data (stdin when not set)")
    var path: String?

    @Option(name: .spire("format"), help: "The format of the bundle data. Either \"pem\" or \"spiffe\".")
    var format: BundleFormat = .pem

    @OptionGroup var options: AdminOptions

    func validate() throws {
        guard let id, !id.isEmpty else {
            throw CLIError("id flag is required")
        }
        _ = try IDArgument.trustDomain(id, flag: "id")
    }

    func run() async throws {
        let trustDomain = try IDArgument.trustDomain(id ?? "", flag: "id")
        let bundle = try BundleInput.bundle(trustDomain: trustDomain, data: try InputFile.read(path), format: format)
        let stored = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.setFederatedBundle(bundle)
        }
        switch options.output {
        case .pretty:
            Console.out("bundle set.\n")
        case .json:
            Console.out(try ProtoJSON.line(stored))
        }
    }
}
