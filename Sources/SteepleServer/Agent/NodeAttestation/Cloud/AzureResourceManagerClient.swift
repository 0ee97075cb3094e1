import NIOHTTP1
import NIOSSL
import SteepleHTTP

import Foundation

/// The Azure Resource Manager calls SPIRE's `azure_msi` makes: an access token (``AzureCredential``: the tenant's
/// app registration, or what Azure's `DefaultAzureCredential` finds), then the virtual machine whose managed identity
/// is the principal (resources list with SPIRE's filter), the machine, and its network interfaces.
struct AzureResourceManagerClient: Sendable {
    let tenantID: String
    let subscriptionID: String
    let credential: AzureCredential
    /// `AZURE_AUTHORITY_HOST`, else `https://login.microsoftonline.com/`.
    let authorityHost: String
    /// The Resource Manager root, `https://management.azure.com/` unless configured.
    let endpoint: String
    let environment: [String: String]

    /// A Resource Manager object, as far as SPIRE reads it.
    struct Resource: Decodable, Sendable {
        struct Reference: Decodable, Sendable { var id: String? }
        struct Properties: Decodable, Sendable {
            struct NetworkProfile: Decodable, Sendable { var networkInterfaces: [Reference]? }
            struct IPConfiguration: Decodable, Sendable {
                struct Properties: Decodable, Sendable { var subnet: Reference? }
                var properties: Properties?
            }
            var networkProfile: NetworkProfile?
            var networkSecurityGroup: Reference?
            var ipConfigurations: [IPConfiguration]?
        }
        var id: String?
        var properties: Properties?
    }

    /// An access token for the Resource Manager.
    func accessToken() async throws(AzureAPIError) -> String {
        switch credential {
        case .clientSecret(let appID, let secret):
            return try await tokenFromAuthority([("client_id", appID), ("client_secret", secret)])
        case .workloadIdentity(let clientID, let tokenFile):
            guard let assertion = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !assertion.isEmpty else {
                throw AzureAPIError("AZURE_FEDERATED_TOKEN_FILE \(tokenFile) cannot be read or is empty")
            }
            return try await tokenFromAuthority([
                ("client_id", clientID), ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", assertion),
            ])
        case .managedIdentity(let clientID, let host):
            var query = "api-version=2018-02-01&resource=\(AWSSigV4.encode("https://management.azure.com/"))"
            if let clientID { query += "&client_id=\(AWSSigV4.encode(clientID))" }
            guard let url = URL(string: host + "/metadata/identity/oauth2/token?" + query) else { throw AzureAPIError("\(host) does not form a URL") }
            return try Self.token(in: try await send(url, headers: [("Metadata", "true")]))
        }
    }

    /// OAuth 2.0 client credentials at the tenant's authority, with `client` (a secret or an assertion).
    private func tokenFromAuthority(_ client: [(String, String)]) async throws(AzureAPIError) -> String {
        let host = authorityHost.hasSuffix("/") ? authorityHost : authorityHost + "/"
        guard let url = URL(string: host + AWSSigV4.encode(tenantID) + "/oauth2/v2.0/token") else {
            throw AzureAPIError("authority host \(authorityHost) does not form a URL")
        }
        let form = ([("grant_type", "client_credentials")] + client + [("scope", "https://management.azure.com/.default")])
            .map { "\($0.0)=\(AWSSigV4.encode($0.1))" }.joined(separator: "&")
        return try Self.token(in: try await send(url, method: .POST, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8)))
    }

    private static func token(in body: [UInt8]) throws(AzureAPIError) -> String {
        struct Token: Decodable { var access_token: String? }
        guard let token = (try? JSONDecoder().decode(Token.self, from: Data(body)))?.access_token, !token.isEmpty else {
            throw AzureAPIError("the token response has no access_token")
        }
        return token
    }

    /// The IDs of the virtual machines whose system identity is `principalID` (SPIRE's filter), all pages.
    func virtualMachineIDs(principalID: String, token: String) async throws(AzureAPIError) -> [String] {
        let filter = "resourceType eq 'Microsoft.Compute/virtualMachines' and identity/principalId eq '\(principalID)'"
        var next: String? = base + "subscriptions/\(AWSSigV4.encode(subscriptionID))/resources?%24filter=\(AWSSigV4.encode(filter))&api-version=2021-04-01"
        var ids: [String] = []
        while let page = next {
            guard let url = URL(string: page) else { throw AzureAPIError("\(page) is not a URL") }
            struct List: Decodable {
                var value: [Resource]?
                var nextLink: String?
            }
            let body = try await send(url, headers: [("Authorization", "Bearer " + token)])
            guard let list = try? JSONDecoder().decode(List.self, from: Data(body)) else { throw AzureAPIError("the resource list is not JSON") }
            ids += (list.value ?? []).map { $0.id ?? "" }
            next = list.nextLink.flatMap { $0.isEmpty ? nil : $0 }
        }
        return ids
    }

    /// `GET <endpoint>subscriptions/<sub>/resourceGroups/<group>/providers/<type>/<name>`.
    func resource(group: String, type: String, name: String, apiVersion: String, token: String) async throws(AzureAPIError) -> Resource {
        let text = base + "subscriptions/\(AWSSigV4.encode(subscriptionID))/resourceGroups/\(AWSSigV4.encode(group))/providers/\(type)/\(AWSSigV4.encode(name))?api-version=\(apiVersion)"
        guard let url = URL(string: text) else { throw AzureAPIError("\(text) is not a URL") }
        let body = try await send(url, headers: [("Authorization", "Bearer " + token)])
        do {
            return try JSONDecoder().decode(Resource.self, from: Data(body))
        } catch {
            throw AzureAPIError("\(type) \(group)/\(name) is not JSON: \(error)")
        }
    }

    private var base: String { endpoint.hasSuffix("/") ? endpoint : endpoint + "/" }

    private func send(_ url: URL, method: HTTPMethod = .GET, headers: [(String, String)], body: [UInt8]? = nil) async throws(AzureAPIError) -> [UInt8] {
        try await Self.send(url, method: method, headers: headers, body: body, environment: environment)
    }

    /// One Azure call; a status other than 200 is an error with Azure's code and message.
    static func send(
        _ url: URL, method: HTTPMethod = .GET, headers: [(String, String)], body: [UInt8]? = nil, environment: [String: String],
        timeout: Duration = .seconds(20)
    ) async throws(AzureAPIError) -> [UInt8] {
        let response: HTTPGet.Response
        do {
            response = try await CloudAPIRequest.send(url, method: method, headers: headers, body: body, environment: environment, timeout: timeout)
        } catch {
            throw AzureAPIError(error.description)
        }
        guard response.status == 200 else {
            struct Failure: Decodable {
                struct Detail: Decodable { var code: String?; var message: String? }
                var error: Detail?
            }
            // The Resource Manager's {"error":{"code","message"}}, or OAuth's and the metadata service's
            // {"error":"…","error_description":"…"}.
            struct OAuthFailure: Decodable { var error_description: String? }
            let failure = try? JSONDecoder().decode(Failure.self, from: Data(response.body))
            let oauth = try? JSONDecoder().decode(OAuthFailure.self, from: Data(response.body))
            let detail = failure?.error.map { "\($0.code ?? ""): \($0.message ?? "")" } ?? oauth?.error_description ?? response.reason
            throw AzureAPIError("\(method.rawValue) \(url.path(percentEncoded: true)): RESPONSE \(response.status): \(detail)", status: Int(response.status))
        }
        return response.body
    }
}

/// How the Resource Manager token is obtained.
enum AzureCredential: Sendable {
    /// The tenant's app registration (`app_id`, `app_secret`), or `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET`.
    case clientSecret(appID: String, secret: String)
    /// AKS workload identity: `AZURE_CLIENT_ID` and the federated token of `AZURE_FEDERATED_TOKEN_FILE`.
    case workloadIdentity(clientID: String, tokenFile: String)
    /// The machine's managed identity from the instance metadata service (a user-assigned one by `AZURE_CLIENT_ID`).
    case managedIdentity(clientID: String?, host: String)
}

/// A Resource Manager call that failed.
struct AzureAPIError: Error, Sendable, CustomStringConvertible {
    let message: String
    /// The HTTP status when the service answered with an error; nil when it did not answer at all.
    var status: Int?
    init(_ message: String, status: Int? = nil) {
        self.message = message
        self.status = status
    }
    var description: String { message }
}
