import ArgumentParser
import Foundation
import SPIFFE
import SPIFFEWorkloadAPI

/// `-output pretty|json` of `api fetch`, as `spire-agent api fetch`.
enum APIOutputFormat: String, ExpressibleByArgument, Sendable {
    case pretty
    case json
}

/// What `spire-agent api fetch … -output json` prints: the Workload API responses as protojson with the proto field
/// names and every field present (SPIRE's `UseProtoNames` and `EmitUnpopulated`), bytes in base64, one line; two
/// responses (`fetch jwt`) as a JSON array of both. Key order within an object may differ from SPIRE's; JSON readers
/// (jq) do not see it.
enum APIOutputJSON {
    /// `X509SVIDResponse`: `svids` (`spiffe_id`, `x509_svid`, `x509_svid_key`, `bundle`, `hint`), `crl`,
    /// `federated_bundles` (trust domain ID → DER).
    static func x509(_ context: X509Context) -> Any {
        let svids: [[String: Any]] = context.svids.map { svid in
            [
                "spiffe_id": svid.id.string,
                "x509_svid": Data(svid.chainDER).base64EncodedString(),
                "x509_svid_key": Data(svid.privateKeyDER).base64EncodedString(),
                "bundle": Data(context.bundles.x509Bundle(for: svid.id.trustDomain)?.derRepresentation ?? []).base64EncodedString(),
                "hint": svid.hint,
            ]
        }
        let own = Set(context.svids.map(\.id.trustDomain))
        var federated: [String: String] = [:]
        for bundle in context.bundles.all where !own.contains(bundle.trustDomain) {
            federated["spiffe://" + bundle.trustDomain.name] = Data(bundle.derRepresentation).base64EncodedString()
        }
        return ["svids": svids, "crl": [String](), "federated_bundles": federated]
    }

    /// `[JWTSVIDResponse, JWTBundlesResponse]`: `svids` (`spiffe_id`, `svid`, `hint`) and `bundles` (trust domain ID →
    /// JWKS bytes).
    static func jwt(_ svids: [JWTSVID], _ bundles: JWTBundleSet) -> Any {
        var byTrustDomain: [String: String] = [:]
        for bundle in bundles.all {
            byTrustDomain["spiffe://" + bundle.trustDomain.name] = Data(bundle.jwksJSON).base64EncodedString()
        }
        return [
            ["svids": svids.map { ["spiffe_id": $0.subject.string, "svid": $0.token, "hint": ""] }],
            ["bundles": byTrustDomain],
        ]
    }

    /// One line, keys sorted, no escaped slashes, as Go's encoder writes it.
    static func print(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        Swift.print(String(decoding: data, as: UTF8.self))
    }
}
