package import SPIFFE

/// A federation relationship with a foreign trust domain: where its bundle endpoint is and how to authenticate it
/// (SPIFFE Trust Domain and Bundle §5). Its key is ``trustDomain``.
///
/// The foreign trust domain's bundle itself lives in the ``BundleStore``: a relationship only says where to
/// refresh it from, as in SPIRE's datastore.
package struct FederationRelationship: Sendable, Hashable {
    /// The foreign trust domain.
    package var trustDomain: TrustDomain
    /// The HTTPS URL of its bundle endpoint.
    package var bundleEndpointURL: String
    /// How the endpoint is authenticated.
    package var profile: BundleEndpointProfile

    /// Creates a relationship.
    package init(trustDomain: TrustDomain, bundleEndpointURL: String, profile: BundleEndpointProfile) {
        self.trustDomain = trustDomain
        self.bundleEndpointURL = bundleEndpointURL
        self.profile = profile
    }
}

/// The bundle endpoint profiles of SPIFFE Trust Domain and Bundle §5.2.
package enum BundleEndpointProfile: Sendable, Hashable {
    /// `https_web`: the endpoint presents a Web PKI certificate, verified against the system's roots.
    case httpsWeb
    /// `https_spiffe`: the endpoint presents an X509-SVID with this SPIFFE ID, verified against the bundle of the
    /// ID's trust domain.
    case httpsSPIFFE(endpointSPIFFEID: SPIFFEID)

    /// SPIRE's name of the profile: `https_web` or `https_spiffe`.
    package var name: String {
        switch self {
        case .httpsWeb: "https_web"
        case .httpsSPIFFE: "https_spiffe"
        }
    }
}
