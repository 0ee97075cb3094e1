package import SPIFFE
package import SPIFFEWorkloadAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns Workload API messages into SPIFFE values, refusing anything that breaks the Workload API's rules
/// (SPEC §6.2–§6.6) with ``WorkloadAPIError/Code/malformedResponse``.
package enum WorkloadAPIResponseParser {
    /// `FetchX509SVID`: at least one SVID, each valid by the X509-SVID rules with `spiffe_id` equal to its URI SAN;
    /// the bundle of each SVID's trust domain plus the federated bundles (SPEC §6.3).
    package static func x509Context(_ response: WorkloadAPI_X509SVIDResponse) throws(WorkloadAPIError) -> X509Context {
        guard !response.svids.isEmpty else {
            throw malformed("X509-SVID response has no SVID: the workload API must send one or more (Workload API §5.2)")
        }
        var svids: [X509SVID] = []
        var hints: Set<String> = []
        var bundles = X509BundleSet()
        for (index, item) in response.svids.enumerated() {
            let svid: X509SVID
            do {
                svid = try X509SVID(chainDER: item.x509Svid, privateKeyDER: item.x509SvidKey, hint: item.hint)
            } catch {
                throw malformed("X509-SVID \(index) (\"\(item.spiffeID)\") is invalid: \(error.message)", cause: error)
            }
            guard svid.id.string == item.spiffeID else {
                throw malformed("X509-SVID \(index) has spiffe_id \"\(item.spiffeID)\" but its URI SAN is \(svid.id)")
            }
            bundles.set(try x509Bundle(trustDomain: svid.id.trustDomain, der: item.bundle, field: "svids[\(index)].bundle"))
            if !item.hint.isEmpty {
                guard hints.insert(item.hint).inserted else { continue }
            }
            svids.append(svid)
        }
        for (key, der) in response.federatedBundles.sorted(by: { $0.key < $1.key }) {
            bundles.set(try x509Bundle(key: key, der: der, field: "federated_bundles"))
        }
        return X509Context(svids: svids, bundles: bundles)
    }

    /// `FetchX509Bundles`: a non-empty map of trust domain to concatenated DER certificates (SPEC §6.6).
    package static func x509Bundles(_ response: WorkloadAPI_X509BundlesResponse) throws(WorkloadAPIError) -> X509BundleSet {
        guard !response.bundles.isEmpty else {
            throw malformed("X.509 bundles response has no bundle: it must hold at least the own trust domain's")
        }
        var set = X509BundleSet()
        for (key, der) in response.bundles {
            set.set(try x509Bundle(key: key, der: der, field: "bundles"))
        }
        return set
    }

    /// `FetchJWTBundles`: a non-empty map of trust domain to JWKS JSON (SPEC §6.3, §6.6).
    package static func jwtBundles(_ response: WorkloadAPI_JWTBundlesResponse) throws(WorkloadAPIError) -> JWTBundleSet {
        guard !response.bundles.isEmpty else {
            throw malformed("JWT bundles response has no bundle: it must hold at least the own trust domain's")
        }
        var set = JWTBundleSet()
        for (key, json) in response.bundles {
            let trustDomain = try trustDomain(key: key, field: "bundles")
            do {
                set.set(try JWTBundle(trustDomain: trustDomain, jwksJSON: json))
            } catch {
                throw malformed("JWT bundle of \(trustDomain) is invalid: \(error.message)", cause: error)
            }
        }
        return set
    }

    /// `FetchJWTSVID`: at least one token, each a well-formed JWT-SVID for every requested audience whose `sub`
    /// equals its `spiffe_id`. Signatures are not checked: the token comes straight from the local Workload API
    /// (py-spiffe's `parse_insecure`, SPEC §7.4).
    package static func jwtSVIDs(_ response: WorkloadAPI_JWTSVIDResponse, audience: [String]) throws(WorkloadAPIError) -> [JWTSVID] {
        guard !response.svids.isEmpty else {
            throw malformed("JWT-SVID response has no SVID: the workload API must send one or more (Workload API §6.2)")
        }
        return try response.svids.enumerated().map { (index, item) throws(WorkloadAPIError) in
            try jwtSVID(token: item.svid, spiffeID: item.spiffeID, audience: audience, what: "JWT-SVID \(index)")
        }
    }

    /// A token the server vouched for (a `FetchJWTSVID` item or a token `ValidateJWTSVID` accepted).
    static func jwtSVID(
        token: String,
        spiffeID: String,
        audience: [String],
        what: String
    ) throws(WorkloadAPIError) -> JWTSVID {
        let svid: JWTSVID
        do {
            svid = try JWTSVID.parseInsecure(token: token, audience: audience)
        } catch {
            throw malformed("\(what) (\"\(spiffeID)\") is not a valid JWT-SVID: \(error.message)", cause: error)
        }
        guard svid.subject.string == spiffeID else {
            throw malformed("\(what) has spiffe_id \"\(spiffeID)\" but its sub is \(svid.subject)")
        }
        return svid
    }

    private static func x509Bundle(key: String, der: Data, field: String) throws(WorkloadAPIError) -> X509Bundle {
        try x509Bundle(trustDomain: try trustDomain(key: key, field: field), der: der, field: field)
    }

    /// Concatenated DER CA certificates; empty bytes are refused (py-spiffe fails on them too, SPEC §7.4).
    private static func x509Bundle(trustDomain: TrustDomain, der: Data, field: String) throws(WorkloadAPIError) -> X509Bundle {
        guard !der.isEmpty else {
            throw malformed("X.509 bundle of \(trustDomain) in \(field) is empty: it must hold one or more CA certificates")
        }
        do {
            return try X509Bundle(trustDomain: trustDomain, derBytes: der)
        } catch {
            throw malformed("X.509 bundle of \(trustDomain) in \(field) is invalid: \(error.message)", cause: error)
        }
    }

    /// A bundle map key: `spiffe://<td>` as servers emit, or a bare name, as go and py accept (SPEC §6.3).
    private static func trustDomain(key: String, field: String) throws(WorkloadAPIError) -> TrustDomain {
        do {
            return try TrustDomain(key)
        } catch {
            throw malformed("\(field) key \"\(key)\" is not a trust domain: \(error.message)", cause: error)
        }
    }

    private static func malformed(_ message: String, cause: (any Error & Sendable)? = nil) -> WorkloadAPIError {
        WorkloadAPIError(code: .malformedResponse, message: message, cause: cause)
    }
}
