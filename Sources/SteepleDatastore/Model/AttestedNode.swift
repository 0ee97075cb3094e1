package import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// An agent that has attested to the server (ANCHORS §1.10, SPIRE's `AttestedNode`). Its key is ``spiffeID``.
///
/// Times have a precision of one second: the stores keep whole seconds, rounding down.
package struct AttestedNode: Sendable {
    /// The agent's SPIFFE ID, e.g. `spiffe://example.org/spire/agent/join_token/<token>`.
    package var spiffeID: SPIFFEID
    /// The node attestor that admitted it, e.g. `join_token` or `x509pop`. Never empty.
    package var attestationType: String
    /// The serial number of the agent's current SVID (as the CA writes it, e.g. lowercase hex).
    package var certSerialNumber: String
    /// When the agent's current SVID expires.
    package var certNotAfter: Date
    /// The serial number of an SVID issued by a renewal the agent has not yet confirmed using.
    package var newCertSerialNumber: String?
    /// When that pending SVID expires.
    package var newCertNotAfter: Date?
    /// Whether the agent may attest again (`join_token` nodes may not: trust on first use).
    package var canReattest: Bool
    /// Whether the agent is banned: it may neither renew nor attest again until unbanned or deleted.
    package var banned: Bool
    /// The node selectors its attestation produced; a set, kept sorted without duplicates.
    package var selectors: [Selector] {
        didSet { selectors = Selector.normalized(selectors) }
    }
    /// When the node was first stored; set by the store.
    package var createdAt: Date
    /// The version the agent reported with SPIRE's `PostStatus` (at most 255 bytes), empty until it does.
    package var agentVersion: String

    /// Creates a node record. Selectors are sorted and deduplicated.
    package init(
        spiffeID: SPIFFEID,
        attestationType: String,
        certSerialNumber: String,
        certNotAfter: Date,
        newCertSerialNumber: String? = nil,
        newCertNotAfter: Date? = nil,
        canReattest: Bool = false,
        banned: Bool = false,
        selectors: [Selector] = [],
        createdAt: Date = Date(timeIntervalSince1970: 0),
        agentVersion: String = ""
    ) {
        self.spiffeID = spiffeID
        self.attestationType = attestationType
        self.certSerialNumber = certSerialNumber
        self.certNotAfter = certNotAfter
        self.newCertSerialNumber = newCertSerialNumber
        self.newCertNotAfter = newCertNotAfter
        self.canReattest = canReattest
        self.banned = banned
        self.selectors = Selector.normalized(selectors)
        self.createdAt = createdAt
        self.agentVersion = agentVersion
    }
}

extension AttestedNode: Hashable {}
