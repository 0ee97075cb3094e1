import ArgumentParser
import SteepleCLI
import SPIFFE
import SteepleServerAPIProto

/// `bundle list`: prints the federated bundles (`ListFederatedBundles`), or one of them with `-id`.
struct BundleList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Lists federated bundle data"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String?

    @Option(name: .spire("format"), help: "The format to list federated bundles (only pretty output format supports this flag). Either \"pem\" or \"spiffe\".")
    var format: BundleFormat = .pem

    @OptionGroup var options: AdminOptions

    func validate() throws {
        if let id {
            _ = try IDArgument.trustDomain(id, flag: "id")
        }
    }

    func run() async throws {
        let trustDomain = try id.map { (text) throws(CLIError) in try IDArgument.trustDomain(text, flag: "id").name }
        let response = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.listFederatedBundles(Steeple_Server_V1_ListFederatedBundlesRequest())
        }
        if let trustDomain {
            guard let bundle = response.bundles.first(where: { $0.trustDomain == trustDomain }) else {
                throw CLIError("no federated bundle for trust domain \(trustDomain)")
            }
            switch options.output {
            case .pretty: Console.out(try BundlePrinter.content(bundle, format: format))
            case .json: Console.out(try ProtoJSON.line(bundle))
            }
            return
        }
        switch options.output {
        case .pretty:
            Console.out(try BundlePrinter.list(response.bundles, format: format))
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}
