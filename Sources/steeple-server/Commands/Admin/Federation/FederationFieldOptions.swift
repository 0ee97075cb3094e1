import ArgumentParser
import SteepleCLI
import Foundation
import SPIFFE
import SPIREAPIProto

/// The relationship flags of `federation create` and `update`, and `-data`.
struct FederationFieldOptions: ParsableArguments {
    @Option(name: .spire("data"), help: "Path to a file containing federation relationships in JSON format (optional). If set to '-', read the JSON from stdin.")
    var data: String?

    @Option(name: .spire("trustDomain"), help: "Name of the trust domain to federate with (e.g., example.org)")
    var trustDomain: String = ""

    @Option(name: .spire("bundleEndpointURL"), help: "URL of the SPIFFE bundle endpoint that provides the trust bundle (must use the HTTPS protocol)")
    var bundleEndpointURL: String = ""

    @Option(name: .spire("bundleEndpointProfile"), help: "Endpoint profile type (either \"https_web\" or \"https_spiffe\")")
    var bundleEndpointProfile: String = ""

    @Option(name: .spire("endpointSpiffeID"), help: "SPIFFE ID of the SPIFFE bundle endpoint server. Only used for 'spiffe' profile.")
    var endpointSpiffeID: String = ""

    @Option(name: .spire("trustDomainBundlePath"), help: "Path to the trust domain bundle data (optional).")
    var trustDomainBundlePath: String = ""

    @Option(name: .spire("trustDomainBundleFormat"), help: "The format of the bundle data (optional). Either \"pem\" or \"spiffe\".")
    var trustDomainBundleFormat: String = "pem"

    /// The relationships to send: from `-data`, or the one the flags describe.
    func relationships() throws(CLIError) -> [Spire_Api_Types_FederationRelationship] {
        if let data {
            guard trustDomain.isEmpty, bundleEndpointURL.isEmpty, bundleEndpointProfile.isEmpty, endpointSpiffeID.isEmpty,
                trustDomainBundlePath.isEmpty, trustDomainBundleFormat == "pem"
            else {
                throw CLIError("cannot use other flags to specify relationship fields when 'data' flag is set")
            }
            return try FederationDataFile.relationships(InputFile.read(data))
        }
        var bundle: [UInt8]?
        if !trustDomainBundlePath.isEmpty {
            guard let bytes = FileManager.default.contents(atPath: trustDomainBundlePath) else {
                throw CLIError("cannot read bundle file: open \(trustDomainBundlePath): no such file or directory")
            }
            bundle = Array(bytes)
        }
        return [
            try Self.relationship(
                trustDomain: trustDomain, url: bundleEndpointURL, profile: bundleEndpointProfile, endpointID: endpointSpiffeID,
                bundle: bundle, bundleFormat: trustDomainBundleFormat, bundleError: "cannot parse bundle file"
            )
        ]
    }

    /// One relationship from its fields, checked as SPIRE's CLI checks them (the server checks the rest).
    static func relationship(
        trustDomain: String,
        url: String,
        profile: String,
        endpointID: String,
        bundle: [UInt8]?,
        bundleFormat: String,
        bundleError: String
    ) throws(CLIError) -> Spire_Api_Types_FederationRelationship {
        guard !trustDomain.isEmpty else { throw CLIError("trust domain is required") }
        guard !url.isEmpty else { throw CLIError("bundle endpoint URL is required") }
        var relationship = Spire_Api_Types_FederationRelationship()
        relationship.trustDomain = trustDomain
        relationship.bundleEndpointURL = url
        // The bundle belongs to the trust domain that authenticates the endpoint: the endpoint ID's for https_spiffe.
        var bundleTrustDomain = trustDomain
        switch profile {
        case "https_web":
            relationship.httpsWeb = Spire_Api_Types_HTTPSWebProfile()
        case "https_spiffe":
            guard !endpointID.isEmpty else { throw CLIError("endpoint SPIFFE ID is required if 'https_spiffe' endpoint profile is set") }
            let id: SPIFFEID
            do {
                id = try SPIFFEID(endpointID)
            } catch {
                throw CLIError("cannot parse bundle endpoint SPIFFE ID: \(error.message)")
            }
            var spiffe = Spire_Api_Types_HTTPSSPIFFEProfile()
            spiffe.endpointSpiffeID = endpointID
            relationship.httpsSpiffe = spiffe
            bundleTrustDomain = id.trustDomain.name
        default:
            throw CLIError("unknown bundle endpoint profile type: \(GoFormatting.quoted(profile))")
        }
        if let bundle {
            let format: BundleFormat = bundleFormat.lowercased() == "pem" ? .pem : .spiffe
            do {
                let domain = try TrustDomain(bundleTrustDomain)
                relationship.trustDomainBundle = try BundleInput.bundle(trustDomain: domain, data: bundle, format: format)
            } catch let error as CLIError {
                throw CLIError("\(bundleError): \(error.message)")
            } catch {
                throw CLIError("\(bundleError): \(error)")
            }
        }
        return relationship
    }
}
