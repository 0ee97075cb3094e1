public import Logging
public import NIOSSL
public import SPIFFE

/// The server end of mutual TLS with X509-SVIDs (go-spiffe's `tlsconfig.MTLSServerConfig`): makes one
/// `NIOSSLServerHandler` per accepted connection that presents the source's current SVID, requires a client
/// certificate, and accepts only a client whose chain verifies as an X509-SVID against the bundle of **its own**
/// trust domain and whose SPIFFE ID the authorizer accepts. Anything else fails the handshake.
///
/// ```swift
/// let tls = SPIFFEMTLSServerConfiguration(source: source, authorizer: .id(clientID))
/// let server = try await ServerBootstrap(group: group)
///     .childChannelInitializer { channel in
///         channel.eventLoop.makeCompletedFuture {
///             try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
///             try channel.pipeline.syncOperations.addHandler(MyHandler())
///         }
///     }
///     .bind(host: "0.0.0.0", port: 8443).get()
/// ```
///
/// ## Rotation
/// Each ``makeHandler()`` asks the source for its SVID, so connections accepted after a rotation present the new
/// SVID while open connections keep theirs; the listener is never restarted. A context is built once per SVID.
///
/// ## The peer's identity
/// After the handshake, read the client's SPIFFE ID with `channel.pipeline.syncOperations.spiffePeerID()` or
/// `channel.spiffePeerID()`.
public struct SPIFFEMTLSServerConfiguration: Sendable {
    private let maker: SPIFFETLSHandlerMaker

    /// Creates the server end.
    ///
    /// - Parameters:
    ///   - source: the SVID to present and the bundles to verify clients with; an `X509Source` keeps both current.
    ///   - authorizer: which client SPIFFE IDs are accepted (`.any`, `.id(_:)`, `.oneOf(_:)`, `.memberOf(_:)`,
    ///     `.custom(_:)`).
    ///   - customize: changes to the TLS configuration (for example `applicationProtocols` or
    ///     `maximumTLSVersion`). The certificate, key, trust roots and verification mode are set after it and cannot
    ///     be changed. The default minimum version is TLS 1.2.
    ///   - logger: where rejected clients are logged (at `notice`, with the ``SPIFFE/SPIFFEError`` code); silent
    ///     by default.
    public init(
        source: some X509SVIDSource & X509BundleSource,
        authorizer: SPIFFEIDMatcher,
        customize: (@Sendable (inout TLSConfiguration) -> Void)? = nil,
        logger: Logger = Logger(label: "spiffe.tls", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        maker = SPIFFETLSHandlerMaker(role: .server, source: source, authorizer: authorizer, customize: customize, logger: logger)
    }

    /// A handler for one accepted connection, presenting the source's SVID as of now. Add it first in the child
    /// channel's pipeline.
    ///
    /// - Throws: ``SPIFFETLSError/Code/svidUnavailable`` or ``SPIFFETLSError/Code/tlsContextFailed``.
    public func makeHandler() throws(SPIFFETLSError) -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: try maker.currentContext(), customVerificationCallbackWithMetadata: maker.verifier.verify)
    }
}
