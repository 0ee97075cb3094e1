import NIOHTTP1
import NIOSSL
import SteepleHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Azure Resource Manager calls SPIRE's `azure_msi` makes for a tenant with an app registration
/// (`subscription_id`, `app_id`, `app_secret`): an OAuth 2.0 client-credentials token from the tenant's authority
/// (`AZURE_AUTHORITY_HOST`, else `https://login.microsoftonline.com/`), then the virtual machine whose managed
/// identity is the principal (resources list with SPIRE's filter), the machine, and its network interfaces.
struct AzureResourceManagerClient: Sendable {
    let tenantID: String
    let subscriptionID: String
    let appID: String
    let appSecret: String
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
        let host = authorityHost.hasSuffix("/") ? authorityHost : authorityHost + "/"
        guard let url = URL(string: host + AWSSigV4.encode(tenantID) + "/oauth2/v2.0/token") else {
            throw AzureAPIError("authority host \(authorityHost) does not form a URL")
        }
        let form = [
            ("grant_type", "client_credentials"), ("client_id", appID), ("client_secret", appSecret),
            ("scope", "https://management.azure.com/.default"),
        ].map { "\($0.0)=\(AWSSigV4.encode($0.1))" }.joined(separator: "&")
        let body = try await send(url, method: .POST, headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(form.utf8))
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
        let response: HTTPGet.Response
        do {
            response = try await CloudAPIRequest.send(url, method: method, headers: headers, body: body, environment: environment)
        } catch {
            throw AzureAPIError(error.description)
        }
        guard response.status == 200 else {
            struct Failure: Decodable {
                struct Detail: Decodable { var code: String?; var message: String? }
                var error: Detail?
                var error_description: String?
            }
            let failure = try? JSONDecoder().decode(Failure.self, from: Data(response.body))
            let detail = failure?.error.map { "\($0.code ?? ""): \($0.message ?? "")" } ?? failure?.error_description ?? response.reason
            throw AzureAPIError("\(method.rawValue) \(url.path(percentEncoded: true)): RESPONSE \(response.status): \(detail)")
        }
        return response.body
    }
}

/// A Resource Manager call that failed.
struct AzureAPIError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
