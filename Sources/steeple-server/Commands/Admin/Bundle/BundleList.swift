import ArgumentParser
import SteepleCLI
import SPIFFE
import SPIREAPIProto

/// `bundle list`: prints the federated bundles (SPIRE's `ListFederatedBundles`, every page), or one of them
/// with `-id` (`GetFederatedBundle`).
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
        if let trustDomain {
            var request = Spire_Api_Server_Bundle_V1_GetFederatedBundleRequest()
            request.trustDomain = trustDomain
            let sent = request
            let bundle = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
                try await SPIREBundleClient(wrapping: grpc).getFederatedBundle(sent)
            }
            switch options.output {
            case .pretty: Console.out(try BundlePrinter.content(bundle, format: format))
            case .json: Console.out(try ProtoJSON.line(bundle))
            }
            return
        }
        let bundles = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            let client = SPIREBundleClient(wrapping: grpc)
            return try await Paging.collect { token in
                var request = Spire_Api_Server_Bundle_V1_ListFederatedBundlesRequest()
                request.pageToken = token
                let response = try await client.listFederatedBundles(request)
                return Paging.Page(items: response.bundles, nextPageToken: response.nextPageToken)
            }
        }
        switch options.output {
        case .pretty:
            Console.out(try BundlePrinter.list(bundles, format: format))
        case .json:
            var response = Spire_Api_Server_Bundle_V1_ListFederatedBundlesResponse()
            response.bundles = bundles
            Console.out(try ProtoJSON.line(response))
        }
    }
}
