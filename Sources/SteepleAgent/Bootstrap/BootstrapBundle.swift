import SteepleServerClient
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
            return .bundle(try await retrying { attempt, started in
                try parse(try await download(url, unixSocket: unixSocket, attempt: attempt, started: started), from: "trust_bundle_url \(url.absoluteString)")
            })
        case .workloadAPI(let address):
            return .bundle(try await retrying { attempt, started in try await fetchFromWorkloadAPI(address, attempt: attempt, started: started) })
        }
    }

    /// How long a failing download or fetch is retried, every ``retryInterval``, before the agent gives up: SPIRE's
    /// one minute, or `STEEPLE_BOOTSTRAP_RETRY_SECONDS`.
    var retryWindow: Duration {
        environment["STEEPLE_BOOTSTRAP_RETRY_SECONDS"].flatMap(Int.init).map { .seconds(max(0, $0)) } ?? .seconds(60)
    }
    /// SPIRE's interval between bootstrap attempts.
    let retryInterval: Duration = .seconds(5)

    /// Runs `attempt` until it succeeds, every ``retryInterval``, for at most ``retryWindow`` (as SPIRE retries
    /// getting the bundle: a bundle service or a sibling agent that is not up yet is waited for); then throws the
    /// last error, saying how long it tried.
    private func retrying<T>(_ attempt: (Int, Date) async throws -> T) async throws -> T {
        let started = Date()
        let clock = ContinuousClock()
        let deadline = clock.now + retryWindow
        var number = 1
        while true {
            do {
                return try await attempt(number, started)
            } catch {
                guard clock.now + retryInterval <= deadline, !Task.isCancelled else {
                    let tried = number == 1 ? "" : " (gave up after \(number) attempts since \(started.formatted(.iso8601)))"
                    if let error = error as? AgentError { throw AgentError(error.code, error.message + tried) }
                    throw AgentError(.startFailed, "\(error)\(tried)")
                }
                logger.warning("could not get the bootstrap trust bundle; retrying", metadata: [
                    "attempt": "\(number)", "retry_in": "\(retryInterval)", "error": "\(error)",
                ])
                try await Task.sleep(for: retryInterval)
                number += 1
            }
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
    private func download(_ url: URL, unixSocket: String?, attempt: Int, started: Date) async throws -> [UInt8] {
        // SPIRE's message, which operators grep for.
        logger.info("Server attestation attempt \(attempt). Started \(started.formatted(.iso8601)).")
        let request: HTTPGet
        if let unixSocket {
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
            components.queryItems = (components.queryItems ?? []) + [
                URLQueryItem(name: "spiffe-trust-domain", value: configuration.trustDomain.name),
                URLQueryItem(name: "spire-attest-mode", value: "bootstrap"),
                URLQueryItem(name: "spire-attest-start-time", value: started.formatted(.iso8601)),
                URLQueryItem(name: "spire-connection-attempts", value: String(attempt)),
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
            let hint = error.message.contains("trusted roots") ? " (trust_bundle_url is checked against the system trust store, as SPIRE does; SSL_CERT_FILE and SSL_CERT_DIR name other roots)" : ""
            throw AgentError(.startFailed, "unable to fetch trust bundle URL: \(error)\(hint)")
        }
        guard response.status == 200 else {
            throw AgentError(.startFailed, "error downloading trust bundle from \(url.absoluteString): \(response.status) \(response.reason)")
        }
        return response.body
    }

    /// This trust domain's X.509 bundle from the Workload API at `address`.
    private func fetchFromWorkloadAPI(_ address: String, attempt: Int, started: Date) async throws -> SPIFFEBundle {
        let trustDomain = configuration.trustDomain
        logger.info("Server attestation attempt \(attempt). Started \(started.formatted(.iso8601)).")
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
