import SPIFFE
import SPIREAPIProto
import SteepleDatastore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Conversions between SPIRE's `FederationRelationship` and the stored relationship.
enum SPIREFederationRelationship {
    /// The relationship and bundle `proto` describes.
    static func parse(_ proto: Spire_Api_Types_FederationRelationship) throws(APIRefusal) -> (relationship: FederationRelationship, bundle: SPIFFEBundle?) {
        let trustDomain: TrustDomain
        do {
            trustDomain = try TrustDomain(proto.trustDomain)
        } catch {
            throw APIRefusal(.invalidRequest, "failed to parse trust domain: \(error.message)")
        }
        let url = try endpointURL(proto.bundleEndpointURL)
        let profile: BundleEndpointProfile
        switch proto.bundleEndpointProfile {
        case .httpsWeb:
            profile = .httpsWeb
        case .httpsSpiffe(let spiffe):
            do {
                profile = .httpsSPIFFE(endpointSPIFFEID: try SPIFFEID(spiffe.endpointSpiffeID))
            } catch {
                throw APIRefusal(.invalidRequest, "failed to parse endpoint SPIFFE ID: \(error.message)")
            }
        case nil:
            throw APIRefusal(
                .invalidRequest,
                "bundle endpoint profile is not set: give https_web, or https_spiffe with the endpoint's SPIFFE ID"
            )
        }
        var bundle: SPIFFEBundle?
        if proto.hasTrustDomainBundle {
            do {
                bundle = try SPIFFEBundle(spireBundle: proto.trustDomainBundle)
            } catch {
                throw APIRefusal(.invalidRequest, "failed to parse bundle: \(error.message)")
            }
            guard bundle?.trustDomain == trustDomain else {
                throw APIRefusal(
                    .invalidRequest,
                    "trust domain bundle (\"\(proto.trustDomainBundle.trustDomain)\") must match the trust domain of the federation relationship (\"\(trustDomain.name)\")"
                )
            }
        }
        return (FederationRelationship(trustDomain: trustDomain, bundleEndpointURL: url, profile: profile), bundle)
    }

    /// `text` as a bundle endpoint URL: `https://` with a host and no user info (SPIFFE Trust Domain and Bundle §5).
    static func endpointURL(_ text: String) throws(APIRefusal) -> String {
        guard !text.isEmpty else {
            throw APIRefusal(.invalidRequest, "bundle endpoint URL is required: give the https:// URL of the trust domain's bundle endpoint")
        }
        guard let components = URLComponents(string: text) else {
            throw APIRefusal(.invalidRequest, "failed to parse bundle endpoint URL: \(EntryValidator.quoted(text)) is not a URL")
        }
        guard components.scheme?.lowercased() == "https" else {
            throw APIRefusal(.invalidRequest, "bundle endpoint URL must use the https scheme: \(EntryValidator.quoted(text))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw APIRefusal(.invalidRequest, "bundle endpoint URL must specify the host: \(EntryValidator.quoted(text))")
        }
        guard components.user == nil, components.password == nil else {
            throw APIRefusal(.invalidRequest, "bundle endpoint URL must not contain user info")
        }
        return text
    }

    /// SPIRE's form of a stored relationship, with `bundle` (the trust domain's current one, if any), masked.
    static func proto(
        _ relationship: FederationRelationship,
        bundle: SPIFFEBundle?,
        mask: Spire_Api_Types_FederationRelationshipMask?
    ) -> Spire_Api_Types_FederationRelationship {
        var proto = Spire_Api_Types_FederationRelationship()
        proto.trustDomain = relationship.trustDomain.name
        if mask?.bundleEndpointURL ?? true {
            proto.bundleEndpointURL = relationship.bundleEndpointURL
        }
        if mask?.bundleEndpointProfile ?? true {
            switch relationship.profile {
            case .httpsWeb:
                proto.httpsWeb = Spire_Api_Types_HTTPSWebProfile()
            case .httpsSPIFFE(let id):
                var spiffe = Spire_Api_Types_HTTPSSPIFFEProfile()
                spiffe.endpointSpiffeID = id.string
                proto.httpsSpiffe = spiffe
            }
        }
        if mask?.trustDomainBundle ?? true, let bundle {
            proto.trustDomainBundle = bundle.spireProto
        }
        return proto
    }
}
