package import SPIFFE

/// The stored trust bundle of one trust domain: our own or a federated one. Its key is ``trustDomain``.
///
/// The store keeps the SPIFFE bundle document as opaque bytes: the CA and federation layers own its format
/// (SPIFFE Trust Domain and Bundle §4) and its sequence number.
package struct BundleRecord: Sendable {
    /// The trust domain the bundle belongs to.
    package var trustDomain: TrustDomain
    /// The SPIFFE bundle document (JWKS JSON), as the layer above encoded it.
    package var document: [UInt8]
    /// The bundle's `spiffe_sequence`, as the layer above set it.
    package var sequenceNumber: UInt64

    /// Creates a bundle record.
    package init(trustDomain: TrustDomain, document: [UInt8], sequenceNumber: UInt64 = 0) {
        self.trustDomain = trustDomain
        self.document = document
        self.sequenceNumber = sequenceNumber
    }
}

extension BundleRecord: Hashable {}
