import Crypto
import EnvoySDSProto
import SPIFFE
import SteepleSupport
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every SDS secret one caller may ask for, by resource name, built from an ``SDSView`` as SPIRE's agent names them:
/// each X509-SVID under its SPIFFE ID and the default one (the first) under `default_svid_name`; each bundle under
/// its trust domain's ID (`spiffe://example.org`); this trust domain's under `default_bundle_name` too, and all of them
/// together under `default_all_bundles_name`.
///
/// Unlike SPIRE's handler, every name can be asked for together with every other (SPIRE serves only one of a trust
/// domain's ID, `ROOTCA` and `ALL` per request and calls the others unauthorized).
struct SecretCatalog: Sendable {
    static let typeURL = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
    /// The extension name of Envoy's SPIFFE certificate validator.
    static let spiffeValidatorName = "envoy.tls.cert_validator.spiffe"

    struct Item: Sendable {
        let name: String
        let resource: Google_Protobuf_Any
        /// A digest of the secret: equal secrets have equal versions, on every stream and across reconnects, so a
        /// delta client's `initial_resource_versions` are understood.
        let version: String
    }

    /// In SPIRE's response order: bundles, then X509-SVIDs.
    private(set) var items: [Item] = []
    private var index: [String: Int] = [:]
    /// What a request naming nothing (SotW) or a wildcard subscription (delta) gets: as SPIRE, every bundle and every
    /// X509-SVID under their IDs, not under the default names.
    private(set) var wildcardNames: [String] = []

    /// - Parameter spiffeValidation: validation contexts carry Envoy's SPIFFE certificate validator (Envoy ≥ 1.18 and
    ///   `disable_spiffe_cert_validation` off) rather than plain `trusted_ca`.
    init(view: SDSView, configuration: SDSConfiguration, spiffeValidation: Bool) throws {
        let own = view.ownBundle
        let ownID = own.trustDomain.idString
        try add(ownID, Self.validationContext(for: [own], spiffeValidation: spiffeValidation), wildcard: true)
        try add(configuration.defaultBundleName, Self.validationContext(for: [own], spiffeValidation: spiffeValidation))
        let all = ([own] + view.federatedBundles).sorted { $0.trustDomain.name < $1.trustDomain.name }
        try add(configuration.defaultAllBundlesName, Self.validationContext(for: all, spiffeValidation: spiffeValidation))
        for bundle in view.federatedBundles where bundle.trustDomain != own.trustDomain {
            try add(bundle.trustDomain.idString, Self.validationContext(for: [bundle], spiffeValidation: spiffeValidation), wildcard: true)
        }
        for svid in view.svids {
            try add(svid.spiffeID.string, Self.tlsCertificate(svid), wildcard: true)
        }
        if let first = view.svids.first {
            try add(configuration.defaultSVIDName, Self.tlsCertificate(first))
        }
    }

    subscript(name: String) -> Item? { index[name].map { items[$0] } }

    /// The first item of a name wins (two entries may share a SPIFFE ID; the older one is the default, as in SPIRE).
    private mutating func add(_ name: String, _ secret: Envoy_Extensions_TransportSockets_Tls_V3_Secret, wildcard: Bool = false) throws {
        guard index[name] == nil else { return }
        var secret = secret
        secret.name = name
        let bytes: [UInt8] = try secret.serializedBytes()
        let resource = try Google_Protobuf_Any(message: secret)
        let digest = SHA256.hash(data: bytes)
        index[name] = items.count
        items.append(Item(name: name, resource: resource, version: HexEncoding.lowercase(digest.prefix(16))))
        if wildcard { wildcardNames.append(name) }
    }

    private static func tlsCertificate(_ svid: IssuedX509SVID) -> Envoy_Extensions_TransportSockets_Tls_V3_Secret {
        var certificate = Envoy_Extensions_TransportSockets_Tls_V3_TlsCertificate()
        certificate.certificateChain.inlineBytes = Data(svid.chainPEM.utf8)
        certificate.privateKey.inlineBytes = Data(svid.privateKeyPEM.utf8)
        var secret = Envoy_Extensions_TransportSockets_Tls_V3_Secret()
        secret.tlsCertificate = certificate
        return secret
    }

    /// Envoy's SPIFFE validator with one trust domain per bundle, or (without it) the bundles' authorities as one
    /// PEM `trusted_ca`.
    private static func validationContext(for bundles: [X509Bundle], spiffeValidation: Bool) throws -> Envoy_Extensions_TransportSockets_Tls_V3_Secret {
        var context = Envoy_Extensions_TransportSockets_Tls_V3_CertificateValidationContext()
        if spiffeValidation {
            var validator = Envoy_Extensions_TransportSockets_Tls_V3_SPIFFECertValidatorConfig()
            validator.trustDomains = bundles.map { bundle in
                var trustDomain = Envoy_Extensions_TransportSockets_Tls_V3_SPIFFECertValidatorConfig.TrustDomain()
                trustDomain.name = bundle.trustDomain.name
                trustDomain.trustBundle.inlineBytes = Data(bundle.pemRepresentation.utf8)
                return trustDomain
            }
            context.customValidatorConfig.name = spiffeValidatorName
            context.customValidatorConfig.typedConfig = try Google_Protobuf_Any(message: validator)
        } else {
            context.trustedCa.inlineBytes = Data(bundles.map(\.pemRepresentation).joined().utf8)
        }
        var secret = Envoy_Extensions_TransportSockets_Tls_V3_Secret()
        secret.validationContext = context
        return secret
    }
}
