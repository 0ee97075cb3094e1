import Logging
import NIOCore
import NIOSSL
import SPIFFE
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The custom verification callback that replaces swift-nio-ssl's own chain check: verifies the peer's chain as
/// an X509-SVID against the bundle of the peer's own trust domain (SPEC §2.4), then authorizes its SPIFFE ID.
/// Any failure fails the handshake.
struct SPIFFEPeerVerifier: Sendable {
    let bundles: any X509BundleSource
    let authorizer: SPIFFEIDMatcher
    let logger: Logger

    /// A `NIOSSLCustomVerificationCallbackWithMetadata`: on success, the verified chain (leaf to the trust
    /// domain's authority) becomes the handler's `peerValidatedCertificateChain`.
    func verify(_ presented: [NIOSSLCertificate], _ promise: EventLoopPromise<NIOSSLVerificationResultWithMetadata>) {
        let rawChain: [[UInt8]]
        do {
            rawChain = try presented.map { try $0.toDERBytes() }
        } catch {
            logger.notice("mTLS peer rejected: its certificates cannot be encoded", metadata: ["error": "\(error)"])
            promise.succeed(.failed)
            return
        }
        let bundles = self.bundles
        let authorizer = self.authorizer
        let logger = self.logger
        Task {
            do {
                let verified = try await X509SVIDVerifier.verify(rawChain: rawChain, bundles: bundles, at: Date())
                try authorizer.authorize(verified.id)
                let validated = try verified.chain.map { certificate in
                    var serializer = DER.Serializer()
                    try serializer.serialize(certificate)
                    return try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
                }
                logger.debug("mTLS peer verified", metadata: ["spiffe.peer_id": "\(verified.id)"])
                promise.succeed(.certificateVerified(VerificationMetadata(ValidatedCertificateChain(validated))))
            } catch let error as SPIFFEError {
                logger.notice(
                    "mTLS peer rejected",
                    metadata: ["error.code": "\(error.code)", "error.message": "\(error.message)"]
                )
                promise.succeed(.failed)
            } catch {
                logger.notice("mTLS peer rejected", metadata: ["error": "\(error)"])
                promise.succeed(.failed)
            }
        }
    }
}
