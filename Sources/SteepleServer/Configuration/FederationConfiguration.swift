package import SteepleDatastore

/// `server { federation { … } }`: the bundle endpoint this server serves and the trust domains it federates with
/// from the file (stored relationships come from the TrustDomain API and `federation create`).
package struct FederationConfiguration: Sendable, Hashable {
    /// `bundle_endpoint { … }`; `nil`: no bundle endpoint is served.
    package var bundleEndpoint: BundleEndpointConfiguration?
    /// `federates_with "td" { … }`, in file order.
    package var federatesWith: [FederationRelationship] = []

    package init() {}
}

/// `federation { bundle_endpoint { address, port, refresh_hint, profile … } }`.
package struct BundleEndpointConfiguration: Sendable, Hashable {
    /// How the endpoint authenticates itself to the peers that fetch from it.
    package enum Profile: Sendable, Hashable {
        /// `profile "https_spiffe" {}` (the default): the server's own X509-SVID.
        case httpsSPIFFE
        /// `profile "https_web" { serving_cert_file { … } }`: a Web PKI certificate and key from files, read again
        /// every `fileSyncInterval` (SPIRE's default: 1 minute).
        case httpsWeb(certFilePath: String, keyFilePath: String, fileSyncInterval: Duration)
    }

    /// `address` (SPIRE's default: `0.0.0.0`).
    package var address = "0.0.0.0"
    /// `port` (SPIRE's default: 443).
    package var port = 443
    /// `refresh_hint`, served as the bundle's `spiffe_refresh_hint` (SPIRE's default: 5 minutes).
    package var refreshHint: Duration = .seconds(300)
    package var profile: Profile = .httpsSPIFFE

    package init() {}
}
