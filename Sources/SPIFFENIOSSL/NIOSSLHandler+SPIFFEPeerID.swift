public import NIOCore
public import NIOSSL
public import SPIFFE
import SwiftASN1
import X509

extension NIOSSL.ValidatedCertificateChain {
    /// The SPIFFE ID in the leaf's URI SAN, or `nil` when the leaf is not an X509-SVID.
    public var spiffeID: SPIFFEID? {
        guard let der = try? leaf.toDERBytes(), let certificate = try? Certificate(derEncoded: der) else { return nil }
        return try? X509SVIDVerifier.validateShape(of: [certificate])
    }
}

extension NIOSSLHandler {
    /// The SPIFFE ID of the peer, verified during the handshake by a handler from ``SPIFFEMTLSServerConfiguration``
    /// or ``SPIFFEMTLSClientConfiguration``; `nil` before the handshake completes or for other handlers.
    public var spiffePeerID: SPIFFEID? {
        peerValidatedCertificateChain?.spiffeID
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The verified SPIFFE ID of the peer of this channel's TLS handler (see ``NIOSSL/NIOSSLHandler/spiffePeerID``);
    /// call it on the event loop, for example from a handler once `TLSUserEvent.handshakeCompleted` has arrived.
    ///
    /// - Throws: when the pipeline has no `NIOSSLHandler`.
    public func spiffePeerID() throws -> SPIFFEID? {
        try handler(type: NIOSSLHandler.self).spiffePeerID
    }
}

extension Channel {
    /// The verified SPIFFE ID of the peer of this channel's TLS handler (see ``NIOSSL/NIOSSLHandler/spiffePeerID``);
    /// `nil` before the handshake completes.
    ///
    /// The future fails when the pipeline has no `NIOSSLHandler`, which is also the case once the channel has
    /// closed: read it while the channel is open.
    public func spiffePeerID() -> EventLoopFuture<SPIFFEID?> {
        nioSSL_peerValidatedCertificateChain().map { $0?.spiffeID }
    }
}
