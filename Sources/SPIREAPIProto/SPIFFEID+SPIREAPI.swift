package import SPIFFE

extension Spire_Api_Types_SPIFFEID {
    /// SPIRE's API form of a SPIFFE ID: trust domain name and path (empty for a trust domain's own ID).
    package init(_ id: SPIFFEID) {
        self.init()
        trustDomain = id.trustDomain.name
        path = id.path
    }
}

extension SPIFFEID {
    /// The SPIFFE ID a SPIRE API message names (`{trust_domain, path}`), checked as any SPIFFE ID is.
    ///
    /// - Throws: ``SPIFFEError`` naming the trust domain or path that is wrong.
    package init(_ proto: Spire_Api_Types_SPIFFEID) throws(SPIFFEError) {
        self = try SPIFFEID(trustDomain: try TrustDomain(proto.trustDomain), path: proto.path)
    }
}
