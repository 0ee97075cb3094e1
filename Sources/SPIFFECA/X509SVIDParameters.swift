package import SPIFFE
package import X509

/// What an X509-SVID is issued for: the server decides the ID, TTL and DNS names from the registration entry;
/// the public key comes from the requester's CSR.
package struct X509SVIDParameters: Sendable, Hashable {
    /// The SPIFFE ID to put in the URI SAN. Must be in the CA's trust domain and have a path.
    package var spiffeID: SPIFFEID
    /// The subject public key.
    package var publicKey: Certificate.PublicKey
    /// The requested lifetime; capped at the signing authority's end of validity.
    package var ttl: Duration
    /// DNS SANs; the first also becomes the subject common name (SPEC §2.2).
    package var dnsNames: [String]

    package init(spiffeID: SPIFFEID, publicKey: Certificate.PublicKey, ttl: Duration, dnsNames: [String] = []) {
        self.spiffeID = spiffeID
        self.publicKey = publicKey
        self.ttl = ttl
        self.dnsNames = dnsNames
    }
}
