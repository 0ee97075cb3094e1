import SPIFFE
package import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A registration entry as the agent holds it: what the server sent, parsed once.
package struct AgentEntry: Sendable, Equatable {
    let id: String
    let spiffeID: SPIFFEID
    /// `type:value`, as `unix:uid:1000`: sorted, without duplicates. An array rather than a `Set` because an entry has
    /// one or a few selectors and an agent may hold a hundred thousand entries: a set's hash table is several times
    /// the size of its strings.
    let selectors: [String]
    let x509SVIDTTL: Int32
    let jwtSVIDTTL: Int32
    let federatesWith: [TrustDomain]
    let dnsNames: [String]
    let hint: String
    /// Entries for admin and downstream callers: never handed to a delegate (SPIRE's rule).
    let admin: Bool
    let downstream: Bool
    let revision: Int64
    let createdAt: Int64
    /// SPIRE's `jwt_svid_include_jti`: every JWT-SVID request goes to the server (each token has its own `jti`).
    let jwtSVIDIncludeJTI: Bool
    /// SPIRE's `disable_x509_svid_prefetch`: the X509-SVID is issued when a workload first asks for it.
    let disableX509SVIDPrefetch: Bool

    package init(proto: Steeple_Server_V1_Entry) throws {
        id = proto.id
        spiffeID = try SPIFFEID(proto.spiffeID)
        selectors = Set(proto.selectors.map { $0.type + ":" + $0.value }).sorted()
        x509SVIDTTL = proto.x509SvidTtl
        jwtSVIDTTL = proto.jwtSvidTtl
        federatesWith = try proto.federatesWith.map { try TrustDomain($0) }
        dnsNames = proto.dnsNames
        hint = proto.hint
        admin = proto.admin
        downstream = proto.downstream
        revision = proto.revisionNumber
        createdAt = proto.createdAt
        jwtSVIDIncludeJTI = proto.jwtSvidIncludeJti
        disableX509SVIDPrefetch = proto.disableX509SvidPrefetch
    }

    /// Whether a workload with `workloadSelectors` matches: every selector of the entry is among them.
    func matches(_ workloadSelectors: Set<String>) -> Bool {
        selectors.allSatisfy(workloadSelectors.contains)
    }

    /// The fields that shape an X509-SVID: when any changes, the SVID is re-issued.
    var x509Shape: X509Shape { X509Shape(spiffeID: spiffeID, dnsNames: dnsNames, ttl: x509SVIDTTL, revision: revision) }

    struct X509Shape: Sendable, Equatable {
        let spiffeID: SPIFFEID
        let dnsNames: [String]
        let ttl: Int32
        let revision: Int64
    }

    /// SPIRE's order of identities in a response: oldest entry first (the default identity), then by ID.
    static func responseOrder(_ lhs: AgentEntry, _ rhs: AgentEntry) -> Bool {
        (lhs.createdAt, lhs.id) < (rhs.createdAt, rhs.id)
    }
}
