public import Logging
public import NIOSSL
public import SPIFFE

/// The client end of mutual TLS with X509-SVIDs (go-spiffe's `tlsconfig.MTLSClientConfig`): makes one
/// `NIOSSLClientHandler` per connection that presents the source's current SVID and accepts only a server whose
/// chain verifies as an X509-SVID against the bundle of **its own** trust domain and whose SPIFFE ID the authorizer
/// accepts. Host names are not checked: the SPIFFE ID is the server's identity. Anything else fails the handshake.
///
/// ```swift
/// let tls = SPIFFEMTLSClientConfiguration(source: source, authorizer: .id(serverID))
/// let channel = try await ClientBootstrap(group: group)
///     .channelInitializer { channel in
///         channel.eventLoop.makeCompletedFuture {
///             try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
///         }
///     }
///     .connect(host: "127.0.0.1", port: 8443).get()
/// ```
///
/// Each ``makeHandler(serverHostname:)`` asks the source for its SVID, so connections made after a rotation
/// present the new one. After the handshake, read the server's SPIFFE ID with `channel.spiffePeerID()`.
public struct SPIFFEMTLSClientConfiguration: Sendable {
    private let maker: SPIFFETLSHandlerMaker

    /// Creates the client end.
    ///
    /// - Parameters:
    ///   - source: the SVID to present and the bundles to verify servers with; an `X509Source` keeps both current.
    ///   - authorizer: which server SPIFFE IDs are accepted (`.any`, `.id(_:)`, `.oneOf(_:)`, `.memberOf(_:)`,
    ///     `.custom(_:)`).
    ///   - customize: changes to the TLS configuration (for example `applicationProtocols`). The certificate, key,
    ///     trust roots and verification mode are set after it and cannot be changed. The default minimum version is
    ///     TLS 1.2.
    ///   - logger: where rejected servers are logged (at `notice`, with the ``SPIFFE/SPIFFEError`` code); silent
    ///     by default.
    public init(
        source: some X509SVIDSource & X509BundleSource,
        authorizer: SPIFFEIDMatcher,
        customize: (@Sendable (inout TLSConfiguration) -> Void)? = nil,
        logger: Logger = Logger(label: "spiffe.tls", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        maker = SPIFFETLSHandlerMaker(role: .client, source: source, authorizer: authorizer, customize: customize, logger: logger)
    }

    /// A handler for one connection, presenting the source's SVID as of now. Add it first in the channel's pipeline.
    ///
    /// - Parameter serverHostname: the name sent as SNI, if any; it is not verified.
    /// - Throws: ``SPIFFETLSError/Code/svidUnavailable`` or ``SPIFFETLSError/Code/tlsContextFailed``.
    public func makeHandler(serverHostname: String? = nil) throws(SPIFFETLSError) -> NIOSSLClientHandler {
        let context = try maker.currentContext()
        do {
            return try NIOSSLClientHandler(
                context: context,
                serverHostname: serverHostname,
                customVerificationCallbackWithMetadata: maker.verifier.verify
            )
        } catch {
            throw SPIFFETLSError(code: .tlsContextFailed, message: "swift-nio-ssl refused server name \(serverHostname ?? "(none)")", cause: error)
        }
    }
}
