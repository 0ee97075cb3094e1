import Foundation

/// The Resource Manager client of an `azure_msi` tenant without an app registration, found as SPIRE finds it: the
/// subscription from the server's own instance metadata (`compute.subscriptionId`) and a token from what Azure's
/// `DefaultAzureCredential` tries, in its order: `AZURE_CLIENT_ID` with `AZURE_CLIENT_SECRET` (tenant
/// `AZURE_TENANT_ID`, else the configured one), AKS workload identity (`AZURE_FEDERATED_TOKEN_FILE`, in the
/// configured tenant, as azidentity's `TenantID` option gives it), then the machine's managed identity. The instance
/// metadata service is `http://169.254.169.254`, or `AZURE_POD_IDENTITY_AUTHORITY_HOST` as Azure's SDK reads it for
/// managed identity (Steeple reads the instance's subscription there too, which is what lets a test stand in for it).
///
/// SPIRE refuses to start when this fails. Steeple starts, and the tenant's agents attest without selectors while
/// the instance metadata service does not answer (not on Azure; asked again after a minute); a metadata service that
/// answers with an error, or a token that cannot be had, fails the attestation. Tokens are not kept: each
/// attestation asks for one, as each attestation with an app registration does.
actor AzureDefaultCredential {
    private let tenantID: String
    private let authorityHost: String
    private let endpoint: String
    private let environment: [String: String]
    private var subscriptionID: String?
    private var absentUntil: Date?

    /// How long "no instance metadata service" is believed.
    static let negativeCacheTime: TimeInterval = 60

    init(tenantID: String, authorityHost: String, endpoint: String, environment: [String: String]) {
        self.tenantID = tenantID
        self.authorityHost = authorityHost
        self.endpoint = endpoint
        self.environment = environment
    }

    private func value(_ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    var host: String {
        var host = value("AZURE_POD_IDENTITY_AUTHORITY_HOST") ?? "http://169.254.169.254"
        while host.hasSuffix("/") { host.removeLast() }
        return host
    }

    /// The client, or nil when the instance metadata service does not answer.
    func client() async throws(AzureAPIError) -> AzureResourceManagerClient? {
        guard let subscription = try await subscription() else { return nil }
        let credential: AzureCredential
        var tenant = tenantID
        if let clientID = value("AZURE_CLIENT_ID"), let secret = value("AZURE_CLIENT_SECRET") {
            credential = .clientSecret(appID: clientID, secret: secret)
            tenant = value("AZURE_TENANT_ID") ?? tenantID
        } else if let clientID = value("AZURE_CLIENT_ID"), let tokenFile = value("AZURE_FEDERATED_TOKEN_FILE") {
            credential = .workloadIdentity(clientID: clientID, tokenFile: tokenFile)
        } else {
            credential = .managedIdentity(clientID: value("AZURE_CLIENT_ID"), host: host)
        }
        return AzureResourceManagerClient(
            tenantID: tenant, subscriptionID: subscription, credential: credential, authorityHost: authorityHost, endpoint: endpoint,
            environment: environment)
    }

    /// `compute.subscriptionId` of `GET /metadata/instance` (`Metadata: true`), kept once read.
    private func subscription() async throws(AzureAPIError) -> String? {
        if let subscriptionID { return subscriptionID }
        if let absentUntil, Date() < absentUntil { return nil }
        guard let url = URL(string: host + "/metadata/instance?api-version=2017-08-01&format=json") else {
            throw AzureAPIError("\(host) does not form a URL")
        }
        let body: [UInt8]
        do {
            body = try await AzureResourceManagerClient.send(url, headers: [("Metadata", "true")], environment: environment, timeout: .seconds(2))
        } catch where error.status != nil {
            throw AzureAPIError("the instance metadata service: \(error.message)")
        } catch {
            absentUntil = Date().addingTimeInterval(Self.negativeCacheTime)
            return nil
        }
        struct Instance: Decodable {
            struct Compute: Decodable { var subscriptionId: String? }
            var compute: Compute?
        }
        guard let found = (try? JSONDecoder().decode(Instance.self, from: Data(body)))?.compute?.subscriptionId, !found.isEmpty else {
            throw AzureAPIError("the instance metadata has no compute.subscriptionId")
        }
        subscriptionID = found
        return found
    }
}
