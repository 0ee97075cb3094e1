import ArgumentParser
import SteepleCLI
import GRPCCore
import SPIREAPIProto

/// `federation delete -id`: deletes a dynamic federation relationship; the trust domain's bundle stays.
struct FederationDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Deletes a dynamic federation relationship"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String = ""

    @OptionGroup var options: AdminOptions

    func run() async throws {
        guard !id.isEmpty else { throw CLIError("id is required") }
        var request = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest()
        request.trustDomains = [id]
        let sent = request
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await SPIRETrustDomainClient(wrapping: grpc).batchDeleteFederationRelationship(sent)
            } catch let error as RPCError {
                throw CLIError("failed to delete federation relationship: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty:
            guard let result = response.results.first else { throw CLIError("internal error: cli printer; please report this bug") }
            guard result.status.code == 0 else {
                throw CLIError("failed to delete federation relationship \(GoFormatting.quoted(result.trustDomain)): \(result.status.message)")
            }
            Console.out("federation relationship deleted.\n")
        case .json:
            Console.out(try ProtoJSON.line(response))
        }
    }
}

/// `federation refresh -id`: fetches a federated trust domain's bundle from its endpoint now.
struct FederationRefresh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refresh",
        abstract: "Refreshes the bundle from the specified federated trust domain"
    )

    @Option(name: .spire("id"), help: "SPIFFE ID of the trust domain")
    var id: String = ""

    @OptionGroup var options: AdminOptions

    func run() async throws {
        guard !id.isEmpty else { throw CLIError("id is required") }
        var request = Spire_Api_Server_Trustdomain_V1_RefreshBundleRequest()
        request.trustDomain = id
        let sent = request
        try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                _ = try await SPIRETrustDomainClient(wrapping: grpc).refreshBundle(sent)
            } catch let error as RPCError where error.code == .notFound {
                throw CLIError("there is no federation relationship with trust domain \(GoFormatting.quoted(id))")
            } catch let error as RPCError {
                throw CLIError("failed to refresh bundle: \(error.goDescription)")
            }
        }
        switch options.output {
        case .pretty: Console.out("Bundle refreshed\n")
        case .json: Console.out(#"{"code":0,"message":"OK"}"# + "\n")
        }
    }
}
