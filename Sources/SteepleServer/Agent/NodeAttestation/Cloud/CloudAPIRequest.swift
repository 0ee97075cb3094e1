import NIOHTTP1
import NIOSSL
import SteepleHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One call to a cloud provider's API or key set (GCP, AWS, Azure): TLS for `https` trusting the system store as Go
/// reads it (`SSL_CERT_FILE`, `SSL_CERT_DIR`), a 20 s deadline. The answer comes back whatever its status: each client
/// reads its provider's error format. Calls to a metadata service on the link-local network pass a shorter
/// `timeout`, as the AWS SDKs do, since off the cloud nothing answers there.
enum CloudAPIRequest {
    /// Why no answer came (the trust store, the connection, TLS, the deadline), in words.
    struct Failure: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    static func send(
        _ url: URL, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: [UInt8]? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, timeout: Duration = .seconds(20)
    ) async throws(Failure) -> HTTPGet.Response {
        var tls = TLSConfiguration.makeClientConfiguration()
        if url.scheme == "https" {
            do {
                tls.trustRoots = try SystemTrustRoots.roots(environment: environment)
            } catch {
                throw Failure(description: error.description)
            }
        }
        var request = HTTPGet(url: url, transport: .network(tls: tls))
        request.method = method
        request.headers = headers.map { (name: $0.0, value: $0.1) }
        request.body = body
        request.timeout = timeout
        do {
            return try await request.run()
        } catch {
            throw Failure(description: error.description)
        }
    }
}
