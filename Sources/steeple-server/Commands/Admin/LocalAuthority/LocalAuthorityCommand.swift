import ArgumentParser
import GRPCCore
import GRPCNIOTransportHTTP2
import SPIREAPIProto
import SteepleCLI
import SwiftProtobuf

typealias SPIRELocalAuthorityClient = Spire_Api_Server_Localauthority_V1_LocalAuthority.Client<HTTP2ClientTransport.Posix>

/// `steeple-server localauthority x509|jwt show|prepare|activate|taint|revoke`, as `spire-server localauthority …`:
/// the server's own signing authorities and their forced rotation, through SPIRE's LocalAuthority API.
struct LocalAuthorityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localauthority", abstract: "Manages the server's local X.509 and JWT authorities.",
        subcommands: [LocalAuthorityKindCommand<X509Authorities>.self, LocalAuthorityKindCommand<JWTAuthorities>.self])

    /// Runs `call` on the admin socket and prints its answer. A refusal is reported as SPIRE's CLI reports it:
    /// `<failure>: rpc error: code = … desc = …`; an unreachable server keeps the connection hint.
    static func run<Response: SwiftProtobuf.Message>(
        _ options: AdminOptions,
        failure: String?,
        pretty: (Response) -> String,
        _ call: @Sendable (SPIRELocalAuthorityClient) async throws -> Response
    ) async throws {
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            do {
                return try await call(SPIRELocalAuthorityClient(wrapping: grpc))
            } catch let error as RPCError where error.code != .unavailable {
                guard let failure else { throw error }
                throw CLIError(failure + ": " + error.goDescription)
            }
        }
        switch options.output {
        case .pretty: Console.out(pretty(response))
        case .json: Console.out(try ProtoJSON.line(response))
        }
    }
}

/// One kind of local authority: its subcommand name, SPIRE's words for it, and its API calls.
protocol LocalAuthorityKind: SendableMetatype {
    associatedtype Show: SwiftProtobuf.Message
    associatedtype Prepare: SwiftProtobuf.Message
    associatedtype Activate: SwiftProtobuf.Message
    associatedtype Taint: SwiftProtobuf.Message
    associatedtype Revoke: SwiftProtobuf.Message

    /// `x509` or `jwt`.
    static var commandName: String { get }
    /// `X.509` or `JWT`, as SPIRE's messages say.
    static var label: String { get }
    /// Whether the pretty output has the upstream authority line (X.509 only).
    static var showsUpstream: Bool { get }
    /// SPIRE's CLI adds no prefix to a failed `jwt show`.
    static var showFailure: String? { get }

    static func show(_ client: SPIRELocalAuthorityClient) async throws -> Show
    static func prepare(_ client: SPIRELocalAuthorityClient) async throws -> Prepare
    static func activate(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Activate
    static func taint(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Taint
    static func revoke(_ client: SPIRELocalAuthorityClient, id: String) async throws -> Revoke

    static func slots(_ show: Show) -> AuthorityPrinter.Slots
    static func prepared(_ response: Prepare) -> Spire_Api_Server_Localauthority_V1_AuthorityState?
    static func activated(_ response: Activate) -> Spire_Api_Server_Localauthority_V1_AuthorityState?
    static func tainted(_ response: Taint) -> Spire_Api_Server_Localauthority_V1_AuthorityState?
    static func revoked(_ response: Revoke) -> Spire_Api_Server_Localauthority_V1_AuthorityState?
}

struct LocalAuthorityKindCommand<Kind: LocalAuthorityKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Kind.commandName, abstract: "Manages the server's local \(Kind.label) authorities.",
            subcommands: [
                LocalAuthorityShow<Kind>.self, LocalAuthorityPrepare<Kind>.self, LocalAuthorityActivate<Kind>.self,
                LocalAuthorityTaint<Kind>.self, LocalAuthorityRevoke<Kind>.self,
            ])
    }
}

struct LocalAuthorityShow<Kind: LocalAuthorityKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "show", abstract: "Shows the local \(Kind.label) authorities")
    }

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await LocalAuthorityCommand.run(options, failure: Kind.showFailure, pretty: { AuthorityPrinter.show(Kind.slots($0), label: Kind.label, upstream: Kind.showsUpstream) }) {
            try await Kind.show($0)
        }
    }
}

struct LocalAuthorityPrepare<Kind: LocalAuthorityKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "prepare",
            abstract: "Prepares a new \(Kind.label) authority for use by generating a new key and injecting it into the bundle")
    }

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await LocalAuthorityCommand.run(
            options, failure: "could not prepare \(Kind.label) authority",
            pretty: { AuthorityPrinter.one("Prepared \(Kind.label) authority:", Kind.prepared($0), upstream: Kind.showsUpstream) }
        ) { try await Kind.prepare($0) }
    }
}

struct LocalAuthorityActivate<Kind: LocalAuthorityKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "activate",
            abstract: "Activates a prepared \(Kind.label) authority for use, which will cause it to be used for all \(Kind.label) signing operations serviced by this server going forward")
    }

    @OptionGroup var options: AdminOptions
    @Option(name: .spire("authorityID"), help: "The authority ID of the \(Kind.label) authority to activate")
    var authorityID = ""

    func run() async throws {
        let id = try AuthorityPrinter.required(authorityID)
        try await LocalAuthorityCommand.run(
            options, failure: "could not activate \(Kind.label) authority",
            pretty: { AuthorityPrinter.one("Activated \(Kind.label) authority:", Kind.activated($0), upstream: Kind.showsUpstream) }
        ) { try await Kind.activate($0, id: id) }
    }
}

struct LocalAuthorityTaint<Kind: LocalAuthorityKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "taint", abstract: "Marks the previously active \(Kind.label) authority as being tainted")
    }

    @OptionGroup var options: AdminOptions
    @Option(name: .spire("authorityID"), help: "The authority ID of the \(Kind.label) authority to taint")
    var authorityID = ""

    func run() async throws {
        let id = try AuthorityPrinter.required(authorityID)
        try await LocalAuthorityCommand.run(
            options, failure: "could not taint \(Kind.label) authority",
            pretty: { AuthorityPrinter.one("Tainted \(Kind.label) authority:", Kind.tainted($0), upstream: Kind.showsUpstream) }
        ) { try await Kind.taint($0, id: id) }
    }
}

struct LocalAuthorityRevoke<Kind: LocalAuthorityKind>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "revoke",
            abstract: "Revokes the previously active \(Kind.label) authority by removing it from the bundle and propagating this update throughout the cluster")
    }

    @OptionGroup var options: AdminOptions
    @Option(name: .spire("authorityID"), help: "The authority ID of the \(Kind.label) authority to revoke")
    var authorityID = ""

    func run() async throws {
        let id = try AuthorityPrinter.required(authorityID)
        try await LocalAuthorityCommand.run(
            options, failure: "could not revoke \(Kind.label) authority",
            pretty: { AuthorityPrinter.one("Revoked \(Kind.label) authority:", Kind.revoked($0), upstream: Kind.showsUpstream) }
        ) { try await Kind.revoke($0, id: id) }
    }
}
