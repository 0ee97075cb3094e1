import ArgumentParser
import SPIREAPIProto
import SteepleCLI

/// `steeple-server upstreamauthority taint|revoke`, as `spire-server upstreamauthority …`: the upstream CA that signed
/// the previous local X.509 authority, by its subject key ID.
struct UpstreamAuthorityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upstreamauthority", abstract: "Manages the X.509 upstream authorities of the server's local authorities.",
        subcommands: [UpstreamAuthorityTaint.self, UpstreamAuthorityRevoke.self])

    static func required(_ subjectKeyID: String) throws(CLIError) -> String {
        guard !subjectKeyID.isEmpty else { throw CLIError("the Subject Key ID of the X.509 upstream authority is required") }
        return subjectKeyID
    }
}

struct UpstreamAuthorityTaint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "taint", abstract: "Marks the provided X.509 upstream authority as being tainted")

    @OptionGroup var options: AdminOptions
    @Option(
        name: .spire("subjectKeyID"),
        help: "The X.509 Subject Key Identifier (or SKID) of the authority's CA certificate of the upstream X.509 authority to taint")
    var subjectKeyID = ""

    func run() async throws {
        var request = Spire_Api_Server_Localauthority_V1_TaintX509UpstreamAuthorityRequest()
        request.subjectKeyID = try UpstreamAuthorityCommand.required(subjectKeyID)
        try await LocalAuthorityCommand.run(
            options, failure: "could not taint X.509 upstream authority",
            pretty: { "Tainted X.509 upstream authority:\n  Subject Key ID: \($0.upstreamAuthoritySubjectKeyID)\n" }
        ) { [request] in try await $0.taintX509UpstreamAuthority(request) }
    }
}

struct UpstreamAuthorityRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revokes the previously active X.509 upstream authority by removing it from the bundle and propagating this update throughout the cluster")

    @OptionGroup var options: AdminOptions
    @Option(
        name: .spire("subjectKeyID"),
        help: "The X.509 Subject Key Identifier (or SKID) of the authority's CA certificate of the X.509 upstream authority to revoke")
    var subjectKeyID = ""

    func run() async throws {
        var request = Spire_Api_Server_Localauthority_V1_RevokeX509UpstreamAuthorityRequest()
        request.subjectKeyID = try UpstreamAuthorityCommand.required(subjectKeyID)
        try await LocalAuthorityCommand.run(
            options, failure: "could not revoke X.509 upstream authority",
            pretty: { "Revoked X.509 upstream authority:\n  Subject Key ID: \($0.upstreamAuthoritySubjectKeyID)\n" }
        ) { [request] in try await $0.revokeX509UpstreamAuthority(request) }
    }
}
