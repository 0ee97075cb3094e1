import Logging
import NIOSSL
import SPIFFE

/// What both ends share: the source, the per-SVID context cache and the peer verifier.
struct SPIFFETLSHandlerMaker: Sendable {
    let source: any X509SVIDSource & X509BundleSource
    let contexts: SPIFFETLSContextCache
    let verifier: SPIFFEPeerVerifier

    init(
        role: SPIFFETLSRole,
        source: any X509SVIDSource & X509BundleSource,
        authorizer: SPIFFEIDMatcher,
        customize: (@Sendable (inout TLSConfiguration) -> Void)?,
        logger: Logger
    ) {
        self.source = source
        self.contexts = SPIFFETLSContextCache(role: role, customize: customize)
        self.verifier = SPIFFEPeerVerifier(bundles: source, authorizer: authorizer, logger: logger)
    }

    /// The context presenting the source's SVID as of now.
    func currentContext() throws(SPIFFETLSError) -> NIOSSLContext {
        let svid: X509SVID
        do {
            svid = try source.svid()
        } catch {
            throw SPIFFETLSError(code: .svidUnavailable, message: "the source has no X509-SVID to present", cause: error)
        }
        return try contexts.context(presenting: svid)
    }
}
