import SPIFFE
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the configured cloud node attestors (`gcp_iit`, `aws_iid`, `azure_msi`) for the agent API.
enum CloudNodeAttestors {
    /// AWS's built-in certificates, or those of `aws_ca_certificate_path`.
    private static func awsCertificates(_ aws: AWSIIDConfiguration) throws -> AWSIIDCertificates {
        guard let path = aws.caCertificatePath else { return .builtIn }
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServerStartError(message: "aws_iid aws_ca_certificate_path \(path) cannot be read")
        }
        let keys: [_RSA.Signing.PublicKey]
        do {
            keys = try AWSIIDCertificates.keys(pem: pem)
        } catch {
            throw ServerStartError(message: "aws_iid aws_ca_certificate_path \(path): a certificate without an RSA key of at least 1024 bits, or not PEM: \(error)")
        }
        guard !keys.isEmpty else {
            throw ServerStartError(message: "aws_iid aws_ca_certificate_path \(path) holds no certificate")
        }
        return .configured(keys)
    }

    static func make(core: ServerCore, configuration: ServerConfiguration) throws -> [String: any NodeAttestor] {
        var attestors: [String: any NodeAttestor] = [:]
        let settings = configuration.nodeAttestors
        if let gcp = settings.gcpIIT {
            var attestor = GCPIITAttestor(
                trustDomain: core.trustDomain, projectIDAllowList: gcp.projectIDAllowList,
                pathTemplate: try template(gcp.agentPathTemplate, GCPIITAttestor.templateFields, plugin: "gcp_iit"),
                keys: CloudKeySetSource(location: gcp.keySetURL), nodes: core.store, now: core.now)
            if gcp.useInstanceMetadata {
                attestor.instanceMetadata = GCPIITAttestor.InstanceMetadata(
                    client: GCPComputeClient(credentials: try computeCredentials(gcp), endpoint: gcp.computeEndpoint),
                    allowedLabelKeys: gcp.allowedLabelKeys, allowedMetadataKeys: gcp.allowedMetadataKeys,
                    maxMetadataValueSize: gcp.maxMetadataValueSize)
            }
            attestors["gcp_iit"] = attestor
        }
        if let aws = settings.awsIID {
            var attestor = AWSIIDAttestor(
                trustDomain: core.trustDomain, certificates: try awsCertificates(aws),
                accountIDsForLocalValidation: aws.accountIDsForLocalValidation, skipBlockDevice: aws.skipBlockDevice,
                pathTemplate: try template(aws.agentPathTemplate, AWSIIDAttestor.templateFields, maps: AWSIIDAttestor.templateMaps, plugin: "aws_iid"),
                nodes: core.store)
            attestor.disableInstanceProfileSelectors = aws.disableInstanceProfileSelectors
            let environment = ProcessInfo.processInfo.environment
            var configured: AWSSigV4.Credentials?
            if let keyID = aws.accessKeyID, let secret = aws.secretAccessKey {
                configured = AWSSigV4.Credentials(accessKeyID: keyID, secretAccessKey: secret)
            }
            attestor.credentials = AWSCredentialChain(configured: configured, assumeRole: aws.assumeRole, partition: aws.partition, environment: environment)
            attestor.partition = aws.partition
            attestor.environment = environment
            if let organization = aws.verifyOrganization {
                let source: AWSIIDAttestor.OrganizationSource
                if let file = organization.accountListFile {
                    source = .file(file)
                } else {
                    let arn = "arn:\(aws.partition):iam::\(organization.managementAccountID ?? ""):role/\(organization.assumeOrgRole ?? "")"
                    source = .api(roleARN: arn, region: organization.managementAccountRegion)
                }
                attestor.organization = (source, AWSMembershipCache(ttl: organization.accountListTTL))
            }
            if let clusters = aws.eksClusterNames {
                // SPIRE's period for the clusters' instances: 30 seconds.
                attestor.eksClusters = (clusters, AWSMembershipCache(ttl: .seconds(30)))
            }
            attestors["aws_iid"] = attestor
        }
        if let azure = settings.azureMSI {
            let environment = ProcessInfo.processInfo.environment
            let authority = environment["AZURE_AUTHORITY_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://login.microsoftonline.com/"
            var tenants: [String: AzureMSIAttestor.Tenant] = [:]
            for (tenantID, tenant) in azure.tenants {
                var entry = AzureMSIAttestor.Tenant(resourceID: tenant.resourceID)
                if let subscription = tenant.subscriptionID, let app = tenant.appID, let secret = tenant.appSecret {
                    entry.client = AzureResourceManagerClient(
                        tenantID: tenantID, subscriptionID: subscription, credential: .clientSecret(appID: app, secret: secret), authorityHost: authority,
                        endpoint: azure.resourceManagerEndpoint, environment: environment)
                } else {
                    entry.defaultCredential = AzureDefaultCredential(
                        tenantID: tenantID, authorityHost: authority, endpoint: azure.resourceManagerEndpoint, environment: environment)
                }
                tenants[tenantID] = entry
            }
            attestors["azure_msi"] = AzureMSIAttestor(
                trustDomain: core.trustDomain, tenants: tenants,
                pathTemplate: try template(azure.agentPathTemplate, AzureMSIAttestor.templateFields, plugin: "azure_msi"),
                keys: CloudKeySetSource(location: azure.keySetURL), nodes: core.store, now: core.now)
        }
        return attestors
    }

    /// Application Default Credentials as Google's libraries find them: `service_account_file`, else the file
    /// `GOOGLE_APPLICATION_CREDENTIALS` names, else the GCE metadata server (`GCE_METADATA_HOST` or
    /// `metadata.google.internal`).
    private static func computeCredentials(_ gcp: GCPIITConfiguration) throws -> GCPComputeClient.Credentials {
        let environment = ProcessInfo.processInfo.environment
        let file = gcp.serviceAccountFile ?? environment["GOOGLE_APPLICATION_CREDENTIALS"].flatMap { $0.isEmpty ? nil : $0 }
        guard let file else {
            return .metadataServer(host: environment["GCE_METADATA_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "metadata.google.internal")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ServerStartError(message: "gcp_iit: service account file \(file) cannot be read")
        }
        do {
            return .serviceAccount(try GCPComputeClient.ServiceAccountKey(json: Array(data), path: file))
        } catch {
            throw ServerStartError(message: "gcp_iit: \(error.message)")
        }
    }

    private static func template(_ source: String, _ fields: Set<String>, maps: Set<String> = [], plugin: String) throws -> AgentPathTemplate {
        do {
            return try AgentPathTemplate(source, fields: fields, maps: maps)
        } catch {
            throw ServerStartError(message: "\(plugin): \(error.message)")
        }
    }
}
