import NIOHTTP1
import NIOSSL
import SteepleHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The attestation payloads of the cloud node attestors, read from the instance's metadata service as SPIRE's agent
/// plugins read them.
enum CloudAttestationData {
    /// `gcp_iit`: the instance identity token, `format=full`, for audience `spire-gcp-node-attestor`, from
    /// `http://<host>/computeMetadata/v1/instance/service-accounts/<account>/identity` with `Metadata-Flavor: Google`.
    /// The payload is the token itself.
    static func gcpIIT(host: String, serviceAccount: String) async throws -> [UInt8] {
        let text = "http://\(host)/computeMetadata/v1/instance/service-accounts/\(serviceAccount)/identity?audience=spire-gcp-node-attestor&format=full"
        guard let url = URL(string: text), url.host != nil else {
            throw AgentError(.attestationFailed, "gcp_iit: unable to retrieve valid identity token: identity_token_host \"\(host)\" does not form a URL")
        }
        let body = try await fetch(url, headers: [("Metadata-Flavor", "Google")], what: "gcp_iit: unable to retrieve valid identity token")
        return body
    }

    /// `aws_iid`: SPIRE's `{"document":…,"signature":…,"rsa2048":…}` from
    /// `<endpoint>/latest/dynamic/instance-identity/{document,signature,rsa2048}`, with an IMDSv2 session token
    /// (`PUT /latest/api/token`) when the service gives one, as the AWS SDK does (it falls back to IMDSv1 when the
    /// token call is refused with 403, 404 or 405). A missing `rsa2048` is sent empty.
    static func awsIID(endpoint: String) async throws -> [UInt8] {
        let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        func url(_ path: String) throws -> URL {
            guard let url = URL(string: base + path) else {
                throw AgentError(.attestationFailed, "aws_iid: ec2_metadata_endpoint \"\(endpoint)\" does not form a URL")
            }
            return url
        }
        var token: String?
        var tokenRequest = HTTPGet(url: try url("/latest/api/token"), transport: .network(tls: .makeClientConfiguration()))
        tokenRequest.method = .PUT
        tokenRequest.headers = [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]
        tokenRequest.timeout = .seconds(5)
        let tokenResponse: HTTPGet.Response
        do {
            tokenResponse = try await tokenRequest.run()
        } catch {
            throw AgentError(.attestationFailed, "aws_iid: unable to get an IMDSv2 session token: \(error.description)")
        }
        switch tokenResponse.status {
        case 200: token = String(decoding: tokenResponse.body, as: UTF8.self)
        case 403, 404, 405: token = nil
        default:
            throw AgentError(.attestationFailed, "aws_iid: unable to get an IMDSv2 session token: \(tokenResponse.status) \(tokenResponse.reason)")
        }
        let headers = token.map { [("X-aws-ec2-metadata-token", $0)] } ?? []
        func get(_ name: String, optional: Bool = false) async throws -> String {
            let path = "/latest/dynamic/instance-identity/\(name)"
            if optional {
                var request = HTTPGet(url: try url(path), transport: .network(tls: .makeClientConfiguration()))
                request.headers = headers
                request.timeout = .seconds(10)
                guard let response = try? await request.run(), response.status == 200 else { return "" }
                return String(decoding: response.body, as: UTF8.self)
            }
            return String(decoding: try await fetch(try url(path), headers: headers, what: "aws_iid: unable to read instance-identity/\(name)"), as: UTF8.self)
        }
        struct Payload: Encodable {
            var document: String
            var signature: String
            var rsa2048: String
        }
        let payload = Payload(document: try await get("document"), signature: try await get("signature"), rsa2048: try await get("rsa2048", optional: true))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(payload))
    }

    /// `azure_msi`: `{"token":…}` with the access token of
    /// `<endpoint>/metadata/identity/oauth2/token?api-version=2018-02-01&resource=<resource>` (`Metadata: true`).
    static func azureMSI(resource: String, endpoint: String) async throws -> [UInt8] {
        let base = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        guard var components = URLComponents(string: base + "/metadata/identity/oauth2/token") else {
            throw AgentError(.attestationFailed, "azure_msi: metadata_endpoint \"\(endpoint)\" does not form a URL")
        }
        components.queryItems = [URLQueryItem(name: "api-version", value: "2018-02-01"), URLQueryItem(name: "resource", value: resource)]
        guard let url = components.url else {
            throw AgentError(.attestationFailed, "azure_msi: resource_id \"\(resource)\" does not form a URL")
        }
        let body = try await fetch(url, headers: [("Metadata", "true")], what: "azure_msi: unable to fetch token")
        struct Response: Decodable { var access_token: String? }
        guard let token = (try? JSONDecoder().decode(Response.self, from: Data(body)))?.access_token, !token.isEmpty else {
            throw AgentError(.attestationFailed, "azure_msi: unable to fetch token: response missing access token")
        }
        struct Payload: Encodable { var token: String }
        return Array(try JSONEncoder().encode(Payload(token: token)))
    }

    /// A GET that must answer 200.
    private static func fetch(_ url: URL, headers: [(String, String)], what: String) async throws -> [UInt8] {
        var request = HTTPGet(url: url, transport: .network(tls: .makeClientConfiguration()))
        request.headers = headers.map { (name: $0.0, value: $0.1) }
        request.timeout = .seconds(10)
        let response: HTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            throw AgentError(.attestationFailed, "\(what): \(error.description)")
        }
        guard response.status == 200 else {
            throw AgentError(.attestationFailed, "\(what): unexpected status code: \(response.status): \(String(decoding: response.body.prefix(512), as: UTF8.self))")
        }
        return response.body
    }
}
