import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFE
import SteepleServerAPIProto

/// `x509 mint`: mints an X509-SVID for any SPIFFE ID of the trust domain (`MintX509SVID`).
///
/// Unlike SPIRE's CLI, which makes the key and sends a CSR, this asks the server to make the key (the admin API
/// allows both); the key still only travels over the private admin socket.
struct X509Mint: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Mints an X509-SVID"
    )

    @Option(name: .spire("spiffeID"), help: "SPIFFE ID of the X509-SVID")
    var spiffeID: String?

    @Option(name: .spire("dns"), help: "DNS name that will be included in SVID. Can be used more than once.")
    var dnsNames: [String] = []

    @Option(name: .spire("ttl"), help: "TTL of the X509-SVID, as a Go duration (1h) or seconds (0: server default)")
    var ttl = TTLArgument(seconds: 0)

    @Option(name: .spire("write"), help: "Directory to write output to instead of stdout")
    var writeDirectory: String?

    @OptionGroup var options: AdminOptions

    func validate() throws {
        _ = try request()
    }

    /// The request the flags describe.
    ///
    /// - Throws: ``CLIError`` `spiffeID must be specified`, or naming the malformed ID.
    func request() throws(CLIError) -> Steeple_Server_V1_MintX509SVIDRequest {
        guard let spiffeID, !spiffeID.isEmpty else {
            throw CLIError("spiffeID must be specified")
        }
        var request = Steeple_Server_V1_MintX509SVIDRequest()
        request.spiffeID = try IDArgument.spiffeID(spiffeID, flag: "spiffeID").string
        request.dnsNames = dnsNames
        request.ttl = ttl.seconds
        return request
    }

    func run() async throws {
        let request = try request()
        let response = try await withAdminClient(socketPath: options.socketPath) { client in
            try await client.mintX509SVID(request)
        }
        let result = try X509MintResult(response)
        warnIfCapped(response)
        if let writeDirectory {
            let paths = try X509MintWriter.writeFiles(result, into: writeDirectory)
            Console.out(X509MintWriter.report(paths))
            return
        }
        switch options.output {
        case .pretty: Console.out(result.pretty)
        case .json: Console.out(result.json)
        }
    }

    /// SPIRE's stderr warning when the server gave a shorter lifetime than `-ttl` asked for.
    private func warnIfCapped(_ response: Steeple_Server_V1_MintX509SVIDResponse) {
        guard ttl.seconds > 0,
            let svid = try? X509SVID(chainDER: response.x509SvidChain, privateKeyDER: response.privateKeyPkcs8),
            svid.expiresAt.timeIntervalSinceNow < Double(ttl.seconds) - 1
        else { return }
        let expiry = GoFormatting.rfc3339(unixSeconds: Int64(svid.expiresAt.timeIntervalSince1970))
        Console.err("X509-SVID lifetime was capped shorter than specified ttl; expires \(GoFormatting.quoted(expiry))\n")
    }
}
