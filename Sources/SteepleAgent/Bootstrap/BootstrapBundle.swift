import Logging
import NIOSSL
import SPIFFE
import SPIFFEWorkloadAPI
import SteepleHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where the agent's first trust in the server comes from when it holds no bundle yet: the configured file, URL or
/// Workload API (SPIRE's `trust_bundle_path`, `trust_bundle_url`, `trust_bundle_spiffe_workload_api`), or nothing
/// with `insecure_bootstrap`.
struct BootstrapBundle {
    let configuration: AgentConfiguration
    let environment: [String: String]
    let logger: Logger

    /// The trust to attest with. Every failure is a start-up error naming the setting and what went wrong: the agent
    /// never falls back to trusting an unchecked server.
    func trust() async throws -> ServerTrust {
        switch configuration.bootstrap {
        case .insecure:
            logger.warning("insecure_bootstrap is set: the first connection does not authenticate the server")
            return .insecure
        case .bundleFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AgentError(.startFailed, "trust_bundle_path \(path) cannot be read")
            }
            return .bundle(try parse(Array(data), from: "trust_bundle_path \(path)"))
        case .bundleURL(let url, let unixSocket):
            return .bundle(try parse(try await download(url, unixSocket: unixSocket), from: "trust_bundle_url \(url.absoluteString)"))
        case .workloadAPI(let address):
            return .bundle(try await fetchFromWorkloadAPI(address))
        }
    }

    /// The bundle in `bytes`, written as `trust_bundle_format` says.
    func parse(_ bytes: [UInt8], from source: String) throws -> SPIFFEBundle {
        let trustDomain = configuration.trustDomain
        let bundle: SPIFFEBundle
        switch configuration.trustBundleFormat {
        case .spiffe:
            do {
                bundle = try SPIFFEBundle(trustDomain: trustDomain, json: bytes)
            } catch {
                throw AgentError(
                    .startFailed,
                    "\(source) is not a SPIFFE bundle document (trust_bundle_format = \"spiffe\"): \(error.message); "
                        + "write it with `bundle show -format spiffe`, or set trust_bundle_format = \"pem\" for PEM")
            }
        case .pem:
            do {
                let x509 = try X509Bundle(trustDomain: trustDomain, pem: String(decoding: bytes, as: UTF8.self))
                bundle = try SPIFFEBundle(x509Bundle: x509, jwtBundle: JWTBundle(trustDomain: trustDomain))
            } catch {
                throw AgentError(.startFailed, "\(source) is not a PEM bundle: \(error.message)")
            }
        }
        guard !bundle.x509Authorities.isEmpty else {
            throw AgentError(.startFailed, "\(source): no certificates found in trust bundle")
        }
        return bundle
    }

    /// `GET url`: over TLS checked against the system trust store, or over `trust_bundle_unix_socket` with SPIRE's
    /// query parameters telling the local service who is asking.
    private func download(_ url: URL, unixSocket: String?) async throws -> [UInt8] {
        let started = Date()
        // SPIRE's message, which operators grep for.
        logger.info("Server attestation attempt 1. Started \(started.formatted(.iso8601)).")
        let request: HTTPGet
        if let unixSocket {
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
            components.queryItems = (components.queryItems ?? []) + [
                URLQueryItem(name: "spiffe-trust-domain", value: configuration.trustDomain.name),
                URLQueryItem(name: "spire-attest-mode", value: "bootstrap"),
                URLQueryItem(name: "spire-attest-start-time", value: started.formatted(.iso8601)),
                URLQueryItem(name: "spire-connection-attempts", value: "1"),
                URLQueryItem(name: "spire-server-address", value: configuration.serverAddress),
                URLQueryItem(name: "spire-server-port", value: String(configuration.serverPort)),
            ]
            request = HTTPGet(url: components.url ?? url, transport: .unixSocket(unixSocket))
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = try SystemTrustRoots.roots(environment: environment)
            } catch {
                throw AgentError(.startFailed, "trust_bundle_url \(url.absoluteString): \(error)")
            }
            request = HTTPGet(url: url, transport: .network(tls: tls))
        }
        let response: HTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            let hint = error.message.contains("trusted roots") ? " (trust_bundle_url is checked against the system trust store; SSL_CERT_FILE or SSL_CERT_DIR replace it, as for SPIRE)" : ""
            throw AgentError(.startFailed, "unable to fetch trust bundle URL: \(error)\(hint)")
        }
        guard response.status == 200 else {
            throw AgentError(.startFailed, "error downloading trust bundle from \(url.absoluteString): \(response.status) \(response.reason)")
        }
        return response.body
    }

    /// This trust domain's X.509 bundle from the Workload API at `address`.
    private func fetchFromWorkloadAPI(_ address: String) async throws -> SPIFFEBundle {
        let trustDomain = configuration.trustDomain
        logger.info("Server attestation attempt 1. Started \(Date().formatted(.iso8601)).")
        let bundles: X509BundleSet
        do {
            let endpoint = try WorkloadAPIEndpoint(address)
            bundles = try await withWorkloadAPIClient(endpoint: endpoint) { client in
                try await withThrowingTaskGroup(of: X509BundleSet?.self) { group in
                    group.addTask { try await client.fetchX509Bundles() }
                    group.addTask {
                        try await Task.sleep(for: .seconds(10))
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let bundles = first else {
                        throw AgentError(.startFailed, "no answer within 10 s")
                    }
                    return bundles
                }
            }
        } catch {
            throw AgentError(.startFailed, "unable to fetch trust bundle from SPIFFE Workload API \(address): \(error)")
        }
        guard let x509 = bundles.x509Bundle(for: trustDomain), !x509.x509Authorities.isEmpty else {
            let served = bundles.all.map(\.trustDomain.name).joined(separator: ", ")
            throw AgentError(
                .startFailed,
                "SPIFFE Workload API \(address) did not provide a trust bundle for trust domain \"\(trustDomain.name)\" (it serves: \(served.isEmpty ? "none" : served))")
        }
        return try SPIFFEBundle(x509Bundle: x509, jwtBundle: JWTBundle(trustDomain: trustDomain))
    }
}
