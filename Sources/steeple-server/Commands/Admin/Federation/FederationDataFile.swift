import Foundation
import SPIREAPIProto

/// `federation create|update -data`: the JSON file SPIRE's CLI reads, `{"federationRelationships": [{…}]}` with
/// `trustDomain`, `bundleEndpointURL`, `bundleEndpointProfile`, `endpointSPIFFEID`, and optionally
/// `trustDomainBundleFormat` (`pem` or `spiffe`, no default) with `trustDomainBundle` (a PEM string, or the SPIFFE
/// bundle document as an object). Keys match in any letter case and unknown keys are ignored, as Go's decoder does.
enum FederationDataFile {
    static func relationships(_ data: [UInt8]) throws(CLIError) -> [Spire_Api_Types_FederationRelationship] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(data), options: [.fragmentsAllowed])
        } catch {
            throw CLIError("failed to parse JSON: \(error.localizedDescription)")
        }
        guard let object = root as? [String: Any] else {
            throw CLIError("failed to parse JSON: expected an object with \"federationRelationships\", an array of relationships")
        }
        guard let items = value(object, "federationRelationships") else { return [] }
        guard let list = items as? [Any] else {
            throw CLIError("failed to parse JSON: \"federationRelationships\" must be an array of relationships")
        }
        var relationships: [Spire_Api_Types_FederationRelationship] = []
        for (index, item) in list.enumerated() {
            do {
                relationships.append(try relationship(item))
            } catch {
                throw CLIError("could not parse item \(index): \(error.message)")
            }
        }
        return relationships
    }

    private static func relationship(_ item: Any) throws(CLIError) -> Spire_Api_Types_FederationRelationship {
        guard let object = item as? [String: Any] else { throw CLIError("a relationship must be a JSON object") }
        func string(_ key: String) throws(CLIError) -> String {
            guard let found = value(object, key) else { return "" }
            guard let text = found as? String else { throw CLIError("\(key) must be a string") }
            return text
        }
        var bundle: [UInt8]?
        if let raw = value(object, "trustDomainBundle"), !(raw is NSNull) {
            let format = try string("trustDomainBundleFormat")
            switch format {
            case "pem":
                guard let pem = raw as? String else {
                    throw CLIError("cannot parse bundle raw message: failed to unmarshal json: a PEM bundle must be a JSON string")
                }
                bundle = Array(pem.utf8)
            case "spiffe":
                guard let document = try? JSONSerialization.data(withJSONObject: raw) else {
                    throw CLIError("cannot parse bundle raw message: a SPIFFE bundle must be a JSON object")
                }
                bundle = Array(document)
            default:
                throw CLIError("cannot parse bundle raw message: bundle format \(GoFormatting.quoted(format)) is unsupported")
            }
        }
        return try FederationFieldOptions.relationship(
            trustDomain: try string("trustDomain"), url: try string("bundleEndpointURL"), profile: try string("bundleEndpointProfile"),
            endpointID: try string("endpointSPIFFEID"), bundle: bundle, bundleFormat: try string("trustDomainBundleFormat"),
            bundleError: "cannot parse bundle raw message"
        )
    }

    /// The value of `key` in any letter case (an exact match first), as Go's `encoding/json` matches fields.
    private static func value(_ object: [String: Any], _ key: String) -> Any? {
        if let exact = object[key] { return exact }
        return object.first { $0.key.lowercased() == key.lowercased() }?.value
    }
}
