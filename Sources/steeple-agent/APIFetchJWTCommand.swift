import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFE
import SPIFFEWorkloadAPI

/// `api fetch jwt -audience A [-spiffeID ID]`: prints the JWT-SVIDs and the JWT bundles, as SPIRE does.
struct APIFetchJWTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jwt", abstract: "Fetches JWT-SVIDs for an audience.")

    @OptionGroup var options: WorkloadAPIOptions
    @Option(name: .spire("audience"), help: "Audience of the JWT-SVID (repeatable, or comma-separated).")
    var audience: [String] = []
    @Option(name: .spire("spiffeID"), help: "Only the JWT-SVID of this SPIFFE ID.")
    var spiffeID: String?
    @Option(name: .spire("output"), help: "pretty (default) or json: [JWTSVIDResponse, JWTBundlesResponse] as SPIRE prints them.")
    var output: APIOutputFormat = .pretty
    @Option(name: .spire("format"), help: "Deprecated (as in SPIRE); use -output.")
    var format: APIOutputFormat?

    func validate() throws {
        if audience.flatMap({ $0.split(separator: ",") }).isEmpty {
            throw ValidationError("audience must be specified: pass -audience NAME")
        }
    }

    func run() async throws {
        let audiences = audience.flatMap { $0.split(separator: ",").map(String.init) }
        var subject: SPIFFEID?
        if let spiffeID {
            do { subject = try SPIFFEID(spiffeID) } catch { throw ValidationError("-spiffeID \(spiffeID): \(error.message)") }
        }
        let requested = subject
        let (svids, bundles) = try await runReporting {
            try await options.withClient { client in
                (try await client.fetchJWTSVIDs(audience: audiences, subject: requested), try await client.fetchJWTBundles())
            }
        }
        if (format ?? output) == .json { return try APIOutputJSON.print(APIOutputJSON.jwt(svids, bundles)) }
        for svid in svids {
            print("token(\(svid.subject)):\n\t\(svid.token)\n")
        }
        for bundle in bundles.all {
            print("bundle(spiffe://\(bundle.trustDomain.name)):\n\t\(String(decoding: bundle.jwksJSON, as: UTF8.self))\n")
        }
    }
}

/// `api validate jwt -audience A -svid TOKEN`.
struct APIValidateJWTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jwt", abstract: "Validates a JWT-SVID through the agent.")

    @OptionGroup var options: WorkloadAPIOptions
    @Option(name: .spire("audience"), help: "The audience the token must be for.")
    var audience: String
    @Option(name: .spire("svid"), help: "The JWT-SVID (compact form).")
    var svid: String

    func run() async throws {
        let (audience, token) = (self.audience, self.svid)
        let validated = try await runReporting { try await options.withClient { try await $0.validateJWTSVID(token: token, audience: audience) } }
        print("SVID is valid.")
        print("SPIFFE ID : \(validated.subject)")
        print("Claims    : \(String(decoding: validated.claimsJSON, as: UTF8.self))")
    }
}
