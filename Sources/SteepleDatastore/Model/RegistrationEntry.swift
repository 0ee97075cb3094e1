package import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A registration entry: which workloads (or, parented to the server, which nodes) get which SPIFFE ID
/// (ANCHORS §1.9, SPIRE's `types.Entry`).
///
/// An entry's key is ``id``. No two entries share the same ``parentID``, ``spiffeID`` and selector set.
/// Times have a precision of one second: the stores keep whole seconds, rounding down.
package struct RegistrationEntry: Sendable {
    // Declared with the one-byte fields last, so that no padding follows each of them: 136 bytes (a test pins it),
    // which a server holding a million entries keeps once per entry.
    /// The entry ID, set by the caller or else a random UUID; 1 to 255 printable ASCII characters.
    package var id: String
    /// The SPIFFE ID the entry's SVIDs carry.
    package var spiffeID: SPIFFEID
    /// The agent, node alias or server (`spiffe://<td>/spire/server` for node entries) the entry hangs under.
    package var parentID: SPIFFEID
    /// The selectors a workload must all present (AND); a set, kept sorted without duplicates. Never empty.
    package var selectors: [Selector] {
        didSet { selectors = Selector.normalized(selectors) }
    }
    /// The X509-SVID lifetime in seconds; 0 means the server default.
    package var x509SVIDTTL: Int
    /// The JWT-SVID lifetime in seconds; 0 means the server default.
    package var jwtSVIDTTL: Int
    /// The trust domains whose bundles the workload also receives; a set, kept sorted without duplicates.
    package var federatesWith: [TrustDomain] {
        didSet { federatesWith = sortedUnique(federatesWith) }
    }
    /// DNS names for the X509-SVID, in order (the first also goes into the subject common name).
    package var dnsNames: [String]
    /// Bumped by every update, so agents know to refresh; 0 after create.
    package var revisionNumber: Int64
    /// A hint that tells workloads apart when several entries match them; empty when unset.
    package var hint: String
    /// When the entry was created; set by the store.
    package var createdAt: Date
    /// When the entry stops being valid and may be pruned (data management, not the SVID lifetime).
    package var expiresAt: Date?
    /// Whether the workload may call the server's admin API.
    package var admin: Bool
    /// Whether the workload is a downstream server that may mint SVIDs itself.
    package var downstream: Bool
    /// Whether the agent stores the SVID instead of serving it over the Workload API.
    package var storeSVID: Bool
    /// SPIRE's `jwt_svid_include_jti`: this entry's JWT-SVIDs carry a unique `jti` claim, and agents issue a new
    /// one for every request instead of serving a cached one.
    package var jwtSVIDIncludeJTI: Bool
    /// SPIRE's `disable_x509_svid_prefetch`, stored and returned; Steeple's agents still issue the SVID ahead of the
    /// request (on-demand issuance is the bounded cache's, issue #20).
    package var disableX509SVIDPrefetch: Bool

    /// Creates an entry. Selectors and trust domains are sorted and deduplicated.
    package init(
        id: String = UUID().uuidString.lowercased(),
        spiffeID: SPIFFEID,
        parentID: SPIFFEID,
        selectors: [Selector],
        x509SVIDTTL: Int = 0,
        jwtSVIDTTL: Int = 0,
        federatesWith: [TrustDomain] = [],
        admin: Bool = false,
        downstream: Bool = false,
        expiresAt: Date? = nil,
        dnsNames: [String] = [],
        revisionNumber: Int64 = 0,
        storeSVID: Bool = false,
        hint: String = "",
        createdAt: Date = Date(timeIntervalSince1970: 0),
        jwtSVIDIncludeJTI: Bool = false,
        disableX509SVIDPrefetch: Bool = false
    ) {
        self.id = id
        self.spiffeID = spiffeID
        self.parentID = parentID
        self.selectors = Selector.normalized(selectors)
        self.x509SVIDTTL = x509SVIDTTL
        self.jwtSVIDTTL = jwtSVIDTTL
        self.federatesWith = sortedUnique(federatesWith)
        self.admin = admin
        self.downstream = downstream
        self.expiresAt = expiresAt
        self.dnsNames = dnsNames
        self.revisionNumber = revisionNumber
        self.storeSVID = storeSVID
        self.hint = hint
        self.createdAt = createdAt
        self.jwtSVIDIncludeJTI = jwtSVIDIncludeJTI
        self.disableX509SVIDPrefetch = disableX509SVIDPrefetch
    }
}

extension RegistrationEntry: Hashable {}
