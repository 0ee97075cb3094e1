import NIOCore
import NIOSSL
import SPIFFE
import SteepleDatastore
import SteepleHTTP
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Fetches a foreign trust domain's bundle from its SPIFFE bundle endpoint (SPIFFE Trust Domain and Bundle §5):
/// one HTTPS `GET`, the endpoint authenticated as its profile says, the answer parsed as a SPIFFE bundle of that
/// trust domain.
struct BundleEndpointClient: Sendable {
    /// The largest bundle document accepted: a bundle is a few keys; anything near this is not one.
    static let maximumDocumentBytes = 1 << 20

    /// `https_web`'s roots: the system's (`SSL_CERT_FILE`, `SSL_CERT_DIR` as Go reads them).
    let webTrustRoots: @Sendable () throws -> NIOSSLTrustRoots
    var timeout: Duration = .seconds(10)

    /// The bundle `relationship`'s endpoint serves. For `https_spiffe`, `endpointBundle` is the stored bundle of
    /// the endpoint SPIFFE ID's trust domain, which authenticates the endpoint.
    ///
    /// - Throws: ``FederationError`` naming what failed: the connection or TLS (with the SVID check's reason), a
    ///   status other than 200, a body that is not a SPIFFE bundle of the trust domain, or an empty bundle.
    func fetch(_ relationship: FederationRelationship, endpointBundle: X509Bundle?) async throws(FederationError) -> SPIFFEBundle {
        guard let url = URL(string: relationship.bundleEndpointURL) else {
            throw FederationError("bundle endpoint URL \(relationship.bundleEndpointURL) is not a URL")
        }
        let rejection = Rejection()
        let transport: HTTPGet.Transport
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        switch relationship.profile {
        case .httpsWeb:
            do {
                tls.trustRoots = try webTrustRoots()
            } catch {
                throw FederationError("no system trust roots to authenticate \(url.absoluteString) (https_web): \(error)")
            }
            transport = .network(tls: tls)
        case .httpsSPIFFE(let endpointID):
            guard let endpointBundle else {
                throw FederationError(
                    "can't perform SPIFFE authentication of \(url.absoluteString): no bundle of \(endpointID.trustDomain.name) is stored; "
                        + "give it with the relationship (-trustDomainBundlePath) or set it (bundle set -id \(endpointID.trustDomain.idString))"
                )
            }
            // The endpoint's identity is its SPIFFE ID, not a host name (the callback checks it).
            tls.certificateVerification = .noHostnameVerification
            transport = .verifiedNetwork(tls: tls) { presented, promise in
                let raw: [[UInt8]]
                do {
                    raw = try presented.map { try $0.toDERBytes() }
                } catch {
                    rejection.reason.withLock { $0 = "its certificates cannot be encoded: \(error)" }
                    promise.succeed(.failed)
                    return
                }
                Task {
                    do {
                        let verified = try await X509SVIDVerifier.verify(rawChain: raw, bundles: endpointBundle, at: Date())
                        guard verified.id == endpointID else {
                            rejection.reason.withLock { $0 = "it presented the X509-SVID of \(verified.id), not \(endpointID)" }
                            promise.succeed(.failed)
                            return
                        }
                        promise.succeed(.certificateVerified)
                    } catch {
                        rejection.reason.withLock { $0 = "its X509-SVID does not verify against the bundle of \(endpointID.trustDomain.name): \(error)" }
                        promise.succeed(.failed)
                    }
                }
            }
        }
        var request = HTTPGet(url: url, transport: transport)
        request.maximumBodySize = Self.maximumDocumentBytes
        request.timeout = timeout
        let response: HTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            if let reason = rejection.reason.withLock({ $0 }) {
                throw FederationError("bundle endpoint \(url.absoluteString) failed SPIFFE authentication: \(reason)")
            }
            throw FederationError("failed to fetch bundle: \(error)")
        }
        guard response.status == 200 else {
            let excerpt = String(decoding: response.body.prefix(256), as: UTF8.self)
            throw FederationError("unexpected status \(response.status) fetching bundle from \(url.absoluteString): \(excerpt)")
        }
        let bundle: SPIFFEBundle
        do {
            bundle = try SPIFFEBundle(trustDomain: relationship.trustDomain, json: response.body)
        } catch {
            throw FederationError("failed to decode bundle from \(url.absoluteString): \(error.message)")
        }
        guard !bundle.x509Authorities.isEmpty || !bundle.jwtAuthorities.isEmpty else {
            throw FederationError("bundle from \(url.absoluteString) holds no authority: an empty bundle would trust nothing of \(relationship.trustDomain.name)")
        }
        return bundle
    }
}

/// Why the SVID check of an `https_spiffe` endpoint failed, kept for the fetch's error (TLS only says it failed).
private final class Rejection: Sendable {
    let reason = Mutex<String?>(nil)
}
