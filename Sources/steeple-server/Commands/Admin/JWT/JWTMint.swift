import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFE
import SPIREAPIProto

/// `jwt mint`: mints a JWT-SVID for any SPIFFE ID of the trust domain (SPIRE's `MintJWTSVID`) and prints the token.
struct JWTMint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mints a JWT-SVID"
    )

    @Option(name: .spire("spiffeID"), help: "SPIFFE ID of the JWT-SVID")
    var spiffeID: String?

    @Option(name: .spire("audience"), help: "Audience claim that will be included in the SVID. Can be used more than once.")
    var audience: [String] = []

    @Option(name: .spire("ttl"), help: "TTL of the JWT-SVID, as a Go duration (5m) or seconds (0: server default)")
    var ttl = TTLArgument(seconds: 0)

    @Option(name: .spire("write"), help: "File to write token to instead of stdout")
    var writePath: String?

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try request()
    }

    /// The request the flags describe.
    ///
    /// - Throws: ``CLIError`` with SPIRE's messages when the SPIFFE ID or the audience is missing.
    func request() throws(CLIError) -> Spire_Api_Server_Svid_V1_MintJWTSVIDRequest {
        guard let spiffeID, !spiffeID.isEmpty else {
            throw CLIError("spiffeID must be specified")
        }
        guard !audience.isEmpty else {
            throw CLIError("at least one audience must be specified")
        }
        var request = Spire_Api_Server_Svid_V1_MintJWTSVIDRequest()
        request.id = try IDArgument.spireID(spiffeID, flag: "spiffeID")
        request.audience = audience
        request.ttl = Int32(clamping: ttl.seconds)
        return request
    }

    func run() async throws {
        let request = try request()
        let response = try await withAdminGRPCClient(socketPath: options.socketPath) { grpc in
            try await SPIRESVIDClient(wrapping: grpc).mintJWTSVID(request)
        }
        guard !response.svid.token.isEmpty else {
            throw CLIError("server response missing token")
        }
        warnIfCapped(response.svid.token, audience: request.audience)
        if let writePath {
            try X509MintWriter.writeFile(response.svid.token, to: writePath, mode: 0o600, what: "token")
            Console.out("JWT-SVID written to \(writePath)\n")
            return
        }
        switch options.output {
        case .pretty: Console.out(response.svid.token + "\n")
        case .json: Console.out(try ProtoJSON.line(response))
        }
    }

    /// SPIRE's stderr warning when the server gave a shorter lifetime than `-ttl` asked for.
    private func warnIfCapped(_ token: String, audience: [String]) {
        let svid: JWTSVID
        do {
            svid = try JWTSVID.parseInsecure(token: token, audience: audience)
        } catch {
            Console.err("Unable to determine JWT-SVID lifetime: \(error.message)\n")
            return
        }
        if ttl.seconds > 0, svid.expiresAt.timeIntervalSinceNow < Double(ttl.seconds) - 1 {
            let expiry = GoFormatting.rfc3339(unixSeconds: Int64(svid.expiresAt.timeIntervalSince1970))
            Console.err("JWT-SVID lifetime was capped shorter than specified ttl; expires \(GoFormatting.quoted(expiry))\n")
        }
    }
}
