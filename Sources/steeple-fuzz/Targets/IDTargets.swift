import SPIFFE
import SPIFFEWorkloadAPI

/// SPIFFE IDs, trust domain names and `SPIFFE_ENDPOINT_SOCKET` values: strings from users, certificates and tokens.
enum IDTargets {
    static let spiffeID = FuzzTarget(
        name: "spiffe-id",
        summary: "SPIFFEID(_:) on the input as a string; an accepted ID must print back to the same string and re-parse equal"
    ) { bytes in
        let string = String(decoding: bytes, as: UTF8.self)
        guard let id = try? SPIFFEID(string) else { return }
        precondition(id.string == string, "SPIFFEID(\"\(string)\") printed back as \"\(id.string)\"")
        let again = try! SPIFFEID(id.string)
        precondition(again == id && again.trustDomain == id.trustDomain)
        _ = id.isMember(of: id.trustDomain)
        _ = try? SPIFFEID(trustDomain: id.trustDomain, path: id.path)
    }

    static let trustDomain = FuzzTarget(
        name: "trust-domain",
        summary: "TrustDomain(_:) on the input as a string (bare name or spiffe:// ID); its ID must re-parse"
    ) { bytes in
        guard let trustDomain = try? TrustDomain(String(decoding: bytes, as: UTF8.self)) else { return }
        let id = try! SPIFFEID(trustDomain.idString)
        precondition(id.trustDomain == trustDomain)
        _ = try? SPIFFEID(trustDomain: trustDomain, segments: ["fuzz", trustDomain.name])
    }

    static let workloadAPIEndpoint = FuzzTarget(
        name: "workload-api-endpoint",
        summary: "WorkloadAPIEndpoint(_:), the SPIFFE_ENDPOINT_SOCKET parser (unix:, tcp://, percent-encoding, IPv6)"
    ) { bytes in
        guard let endpoint = try? WorkloadAPIEndpoint(String(decoding: bytes, as: UTF8.self)) else { return }
        _ = endpoint.description
    }
}
