public import NIOSSL

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where a Kubernetes API server (or a kubelet) is and how to authenticate to it: its URL, the CA its certificate
/// chains to, and the client's credentials. Built from a kubeconfig file, from the in-cluster service account
/// (``inCluster(environment:serviceAccountDirectory:)``), or directly.
public struct KubernetesEndpoint: Sendable {
    /// How the client proves who it is.
    public enum Credentials: Sendable, Equatable {
        case none
        /// A bearer token given inline.
        case bearerToken(String)
        /// A bearer token read from a file at every request, since projected tokens are rotated in place.
        case bearerTokenFile(String)
        /// A client certificate and its key, PEM.
        case clientCertificate(certificatePEM: [UInt8], keyPEM: [UInt8])
    }

    /// `https://host:port`, with no path.
    public var server: URL
    /// PEM of the CAs the server's certificate must chain to; nil trusts the system's roots.
    public var certificateAuthorityPEM: [UInt8]?
    /// Skips verifying the server's certificate entirely (`insecure-skip-tls-verify`, `skip_kubelet_verification`).
    public var insecureSkipTLSVerify: Bool
    public var credentials: Credentials
    /// Whether the server's certificate must name the URL's host. False checks the chain alone, as SPIRE reaches a
    /// kubelet at 127.0.0.1 when it does not know the node's name (the kubelet's certificate names the node).
    public var verifiesHostname: Bool

    public init(server: URL, certificateAuthorityPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false, credentials: Credentials = .none, verifiesHostname: Bool = true) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
        self.verifiesHostname = verifiesHostname
    }

    /// The directory where Kubernetes mounts a pod's service account token and the cluster's CA.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The API server as seen from inside a pod: `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, the
    /// service account's `token` and `ca.crt` (client-go's `rest.InClusterConfig`).
    public static func inCluster(
        environment: [String: String], serviceAccountDirectory: String = Self.serviceAccountDirectory
    ) throws(KubernetesError) -> KubernetesEndpoint {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubernetesError("unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined (set kube_config_file when the server does not run in a pod)")
        }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        guard let url = URL(string: "https://\(bracketed):\(port)") else {
            throw KubernetesError("KUBERNETES_SERVICE_HOST \(host) and KUBERNETES_SERVICE_PORT \(port) do not form a URL")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubernetesError("unable to load in-cluster configuration: cannot read the service account token \(tokenPath)")
        }
        let caPath = serviceAccountDirectory + "/ca.crt"
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw KubernetesError("unable to load in-cluster configuration: cannot read the cluster CA \(caPath)")
        }
        return KubernetesEndpoint(server: url, certificateAuthorityPEM: Array(ca), credentials: .bearerTokenFile(tokenPath))
    }

    /// The TLS configuration for a connection to this endpoint.
    func tlsConfiguration() throws(KubernetesError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if insecureSkipTLSVerify {
            tls.certificateVerification = .none
        } else if !verifiesHostname {
            // The chain is still verified against the CA; only the name is not compared.
            tls.certificateVerification = .noHostnameVerification
        }
        if !insecureSkipTLSVerify, let pem = certificateAuthorityPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
            } catch {
                throw KubernetesError("the certificate authority of \(server.absoluteString) is not PEM certificates: \(error)")
            }
        }
        if case .clientCertificate(let certificatePEM, let keyPEM) = credentials {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificatePEM).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: keyPEM, format: .pem))
            } catch {
                throw KubernetesError("the client certificate or key for \(server.absoluteString) cannot be read: \(error)")
            }
        }
        return tls
    }

    /// The `Authorization` header, if the credentials are a token (read now when it is a file).
    func authorization() throws(KubernetesError) -> String? {
        switch credentials {
        case .bearerToken(let token):
            return "Bearer \(token)"
        case .bearerTokenFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubernetesError("cannot read the token file \(path)")
            }
            let token = String(String(decoding: data, as: UTF8.self).drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            guard !token.isEmpty else { throw KubernetesError("the token file \(path) is empty") }
            return "Bearer \(token)"
        case .none, .clientCertificate:
            return nil
        }
    }
}
