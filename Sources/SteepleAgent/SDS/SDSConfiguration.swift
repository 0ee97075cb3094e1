/// SPIRE's `agent { sds { … } }`: the resource names under which the agent's Envoy SDS serves a workload's default
/// X509-SVID, this trust domain's bundle and every bundle, and whether validation contexts use Envoy's SPIFFE
/// certificate validator.
public struct SDSConfiguration: Sendable, Equatable {
    /// `default_svid_name`: the `tls_certificate` secret holding the caller's first (default) X509-SVID.
    public var defaultSVIDName = "default"
    /// `default_bundle_name`: the validation context holding this trust domain's X.509 authorities.
    public var defaultBundleName = "ROOTCA"
    /// `default_all_bundles_name`: the validation context holding every bundle the caller may use.
    public var defaultAllBundlesName = "ALL"
    /// `disable_spiffe_cert_validation`: validation contexts carry plain `trusted_ca` instead of Envoy's SPIFFE
    /// certificate validator (an Envoy may override it per node with metadata of the same name).
    public var disableSPIFFECertValidation = false

    public init() {}
}
