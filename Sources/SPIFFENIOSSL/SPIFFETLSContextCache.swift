import NIOSSL
import SPIFFE
import Synchronization

/// Keeps the `NIOSSLContext` presenting the source's current SVID, so that a context is built once per SVID
/// rather than once per connection, and a rotated SVID gets a new context for the connections made after it.
///
/// Connections already open keep the context (and so the certificate) they were made with.
final class SPIFFETLSContextCache: Sendable {
    private struct Entry: Sendable {
        let chainDER: [UInt8]
        let privateKeyDER: [UInt8]
        let context: NIOSSLContext
    }

    private let role: SPIFFETLSRole
    private let customize: (@Sendable (inout TLSConfiguration) -> Void)?
    private let latest = Mutex<Entry?>(nil)

    init(role: SPIFFETLSRole, customize: (@Sendable (inout TLSConfiguration) -> Void)?) {
        self.role = role
        self.customize = customize
    }

    /// The context presenting `svid`: the cached one when the SVID has not changed, else a new one.
    func context(presenting svid: X509SVID) throws(SPIFFETLSError) -> NIOSSLContext {
        let cached = latest.withLock { $0 }
        if let cached, cached.chainDER == svid.chainDER, cached.privateKeyDER == svid.privateKeyDER {
            return cached.context
        }
        let context = try makeContext(presenting: svid)
        latest.withLock {
            $0 = Entry(chainDER: svid.chainDER, privateKeyDER: svid.privateKeyDER, context: context)
        }
        return context
    }

    private func makeContext(presenting svid: X509SVID) throws(SPIFFETLSError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(svid.chainPEM.utf8))
            key = try NIOSSLPrivateKey(bytes: Array(svid.privateKeyPEM.utf8), format: .pem)
        } catch {
            throw SPIFFETLSError(code: .tlsContextFailed, message: "swift-nio-ssl cannot load the SVID of \(svid.id)", cause: error)
        }
        var configuration: TLSConfiguration
        switch role {
        case .server:
            configuration = .makeServerConfiguration(certificateChain: [], privateKey: .privateKey(key))
        case .client:
            configuration = .makeClientConfiguration()
        }
        configuration.minimumTLSVersion = .tlsv12
        customize?(&configuration)
        // Not overridable: present the SVID, require the peer's, and never consult a root store; the custom
        // verification callback does all of the verification against the peer's trust domain's bundle.
        configuration.certificateChain = chain.map { .certificate($0) }
        configuration.privateKey = .privateKey(key)
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates([])
        configuration.additionalTrustRoots = []
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SPIFFETLSError(code: .tlsContextFailed, message: "swift-nio-ssl cannot make a context presenting \(svid.id)", cause: error)
        }
    }
}
