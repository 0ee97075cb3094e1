import Crypto
import SPIFFE
import SteepleDatastore
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "aws_iid"`, as SPIRE's: the payload is SPIRE's
/// `{"document":…,"signature":…,"rsa2048":…}` from the instance metadata service. As SPIRE, `rsa2048` (a PKCS #7
/// SignedData holding the document, ``PKCS7SignedData``) is verified when present, else the document's `signature`
/// (RSA PKCS #1 v1.5 with SHA-256, base64); either with AWS's certificate for the document's region and that key
/// (``AWSIIDCertificates``), or with any of the certificates of `aws_ca_certificate_path`.
///
/// With AWS credentials (found as SPIRE's SDK finds them, ``AWSCredentialChain``, and called with ``AWSAPIClient``),
/// as SPIRE: EC2's DescribeInstances for the block device check (skipped for `account_ids_for_local_validation`
/// accounts and with `skip_block_device`) and for `tag:`, `sg:id:`, `sg:name:` selectors, and IAM's
/// GetInstanceProfile for `iamrole:` ones. Without credentials anywhere no AWS API is called, so the
/// block device check cannot run: an instance is then accepted only when its account is in
/// `account_ids_for_local_validation` or with `skip_block_device = true`. Agent ID from `agent_path_template`
/// (SPIRE's default `spiffe://<td>/spire/agent/aws_iid/<account>/<region>/<instance id>`), trust on first use, and
/// the document's selectors `aws_iid:account_id:`, `az:`, `image:id:`, `instance:id:`, `region:`.
struct AWSIIDAttestor: NodeAttestor {
    static let templateFields: Set<String> = ["PluginName", "InstanceID", "AccountID", "Region", "TrustDomain"]
    /// `{{ .Tags.<key> }}`: the instance's tags, from EC2's DescribeInstances.
    static let templateMaps: Set<String> = ["Tags"]

    let trustDomain: TrustDomain
    let certificates: AWSIIDCertificates
    let accountIDsForLocalValidation: [String]
    let skipBlockDevice: Bool
    let pathTemplate: AgentPathTemplate
    let nodes: any AttestedNodeStore
    /// Where credentials for the EC2 and IAM APIs come from (SPIRE's block device check and its instance
    /// selectors); nil: no AWS API is called.
    var credentials: AWSCredentialChain?
    /// `partition`, for the API endpoints.
    var partition = "aws"
    /// The AWS SDKs' variables (`AWS_ENDPOINT_URL_*`, `SSL_CERT_FILE`).
    var environment: [String: String] = [:]
    /// `verify_organization`: where the organization's accounts come from, and their cache.
    var organization: (source: OrganizationSource, cache: AWSMembershipCache)?
    /// `validate_eks_cluster_membership`: the clusters, and the cache of their instances.
    var eksClusters: (names: [String], cache: AWSMembershipCache)?

    enum OrganizationSource: Sendable {
        /// `account_list_file`.
        case file(String)
        /// The Organizations API, as role `assume_org_role` of the management account, in its region.
        case api(roleARN: String, region: String)
    }
    /// `disable_instance_profile_selectors`.
    var disableInstanceProfileSelectors = false

    var name: String { "aws_iid" }

    struct AttestationData: Decodable {
        var document: String?
        var signature: String?
        var rsa2048: String?
    }

    /// The fields SPIRE reads of the instance identity document.
    struct InstanceIdentityDocument: Decodable {
        var accountId: String?
        var availabilityZone: String?
        var imageId: String?
        var instanceId: String?
        var region: String?
    }

    func attest(payload: [UInt8], challenge _: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        guard !payload.isEmpty else { throw APIRefusal(.invalidRequest, "missing attestation payload") }
        let data: AttestationData
        do {
            data = try JSONDecoder().decode(AttestationData.self, from: Data(payload))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to unmarshal the attestation data: \(error)")
        }
        let documentText = data.document ?? ""
        let document: InstanceIdentityDocument
        do {
            document = try JSONDecoder().decode(InstanceIdentityDocument.self, from: Data(documentText.utf8))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to unmarshal the IID: \(error)")
        }
        // As SPIRE: the rsa2048 PKCS #7 signature when the agent sent one, else the document's signature.
        if let rsa2048 = data.rsa2048, !rsa2048.isEmpty {
            try verifyPKCS7(document: documentText, signature: rsa2048, with: try certificates.keys(region: document.region ?? "", rsa2048: true))
        } else {
            let signature = data.signature ?? ""
            guard !signature.isEmpty else { throw APIRefusal(.invalidRequest, "instance identity cryptographic signature is required") }
            try verify(document: documentText, signature: signature, with: try certificates.keys(region: document.region ?? "", rsa2048: false))
        }

        let accountID = document.accountId ?? ""
        if let organization {
            try await verifyOrganization(accountID: accountID, source: organization.source, cache: organization.cache)
        }
        let checkBlockDevice = !skipBlockDevice && !accountIDsForLocalValidation.contains(accountID)
        var api: AWSAPIClient?
        if let chain = credentials {
            do {
                if let found = try await chain.credentials(accountID: accountID, region: document.region ?? "") {
                    api = AWSAPIClient(credentials: found, partition: partition, environment: environment)
                }
            } catch {
                throw APIRefusal(.internal, "failed to describe instance: failed to retrieve credentials: \(error.message)")
            }
        }
        if let eksClusters {
            try await verifyEKSMembership(instanceID: document.instanceId ?? "", region: document.region ?? "", api: api, clusters: eksClusters.names, cache: eksClusters.cache)
        }
        var instances: [SimpleXML] = []
        var tags: [String: String] = [:]
        if let api {
            do {
                instances = try await api.describeInstances(region: document.region ?? "", instanceID: document.instanceId ?? "")
            } catch {
                throw APIRefusal(.internal, "failed to describe instance: \(error.message)")
            }
            if checkBlockDevice || pathTemplate.uses(map: "Tags") {
                guard let instance = instances.first else {
                    throw APIRefusal(.internal, "failed to query AWS via describe-instances: returned no instances")
                }
                for tag in instance.items("tagSet") {
                    if let key = tag.value("key"), let value = tag.value("value") { tags[key] = value }
                }
                if checkBlockDevice { try Self.checkBlockDevice(instance) }
            }
        } else if pathTemplate.uses(map: "Tags") {
            throw APIRefusal(
                .internal,
                "failed to create spiffe ID: agent_path_template reads .Tags, the instance's tags from EC2's DescribeInstances, for which the server found no AWS credentials")
        } else if checkBlockDevice {
            throw APIRefusal(
                .attestationFailed,
                "failed aws ec2 attestation: account \"\(accountID)\" is not in account_ids_for_local_validation, and the block device check it would need calls EC2's DescribeInstances, for which the server found no AWS credentials: list the account, set skip_block_device = true, or give the server credentials (access_key_id and secret_access_key, the AWS_* environment, a web identity, a shared profile, or an instance role)")
        }
        let path: String
        do {
            path = try pathTemplate.execute([
                "PluginName": name, "InstanceID": document.instanceId ?? "", "AccountID": accountID, "Region": document.region ?? "", "TrustDomain": "",
            ], maps: ["Tags": tags])
        } catch {
            throw APIRefusal(.internal, "failed to create spiffe ID: \(error.message)")
        }
        let agentID = try CloudAttestation.agentID(trustDomain: trustDomain, path: path)
        try await CloudAttestation.assessTOFU(agentID, nodes: nodes)
        var set: Set<String> = [
            "account_id:\(accountID)",
            "image:id:\(document.imageId ?? "")",
            "instance:id:\(document.instanceId ?? "")",
            "region:\(document.region ?? "")",
            "az:\(document.availabilityZone ?? "")",
        ]
        if let api {
            set.formUnion(try await instanceSelectors(instances, api: api))
        }
        let values = set.sorted()
        return NodeAttestationResult(
            agentID: agentID,
            selectors: try values.map { value throws(DatastoreError) in try Selector(type: name, value: value) },
            canReattest: false)
    }

    /// SPIRE's organization check, in its words.
    private func verifyOrganization(accountID: String, source: OrganizationSource, cache: AWSMembershipCache) async throws {
        let load: @Sendable () async throws(AWSAPIError) -> Set<String>
        switch source {
        case .file(let path):
            load = { @Sendable () throws(AWSAPIError) -> Set<String> in
                do throws(AWSOrganizationValidator.InvalidFile) {
                    return try AWSOrganizationValidator.accounts(inFile: path)
                } catch {
                    throw AWSAPIError("failed to load org account list: \(error.description)")
                }
            }
        case .api(let roleARN, let region):
            let found: AWSSigV4.Credentials?
            do {
                found = try await credentials?.credentials(assuming: roleARN, region: region)
            } catch {
                throw APIRefusal(.internal, "failed to get org client: \(error.message)")
            }
            guard let found else { throw APIRefusal(.internal, "failed to get org client: the server found no AWS credentials to assume \(roleARN) with") }
            let client = AWSAPIClient(credentials: found, partition: partition, environment: environment)
            load = { @Sendable () async throws(AWSAPIError) -> Set<String> in
                do throws(AWSAPIError) {
                    return try await client.activeOrganizationAccounts()
                } catch {
                    throw AWSAPIError("issue while getting list of accounts: \(error.message)")
                }
            }
        }
        let member: Bool
        do {
            member = try await cache.contains(accountID, load: load)
        } catch {
            throw APIRefusal(.internal, "failed aws ec2 attestation, issue while verifying if nodes account id: \(accountID) belong to org: \(error.message)")
        }
        guard member else {
            throw APIRefusal(.internal, "failed aws ec2 attestation, nodes account id: \(accountID) is not part of configured organization or doesn't have ACTIVE status")
        }
    }

    /// SPIRE's EKS check, in its words: the instance is in an Auto Scaling group of a node group of a listed cluster.
    private func verifyEKSMembership(instanceID: String, region: String, api: AWSAPIClient?, clusters: [String], cache: AWSMembershipCache) async throws {
        func failure(_ message: String) -> APIRefusal {
            APIRefusal(.internal, "failed aws eks attestation, issue while verifying if nodes id: \(instanceID) belong to cluster: \(message)")
        }
        guard let api else { throw failure("the server found no AWS credentials to call EKS and Auto Scaling with") }
        let member: Bool
        do {
            member = try await cache.contains(instanceID) { () async throws(AWSAPIError) -> Set<String> in
                var instances: Set<String> = []
                for cluster in clusters {
                    instances.formUnion(try await api.eksClusterInstances(cluster: cluster, region: region))
                }
                return instances
            }
        } catch {
            throw failure(error.message)
        }
        guard member else {
            throw APIRefusal(.internal, "failed aws eks attestation, nodes id: \(instanceID) is not part of configured EKS cluster")
        }
    }

    /// SPIRE's RSA-2048 path: a PKCS #7 SignedData (base64, as the metadata service gives it) whose signer is a
    /// configured certificate and whose attached content is the document.
    private func verifyPKCS7(document: String, signature: String, with keys: [_RSA.Signing.PublicKey]) throws {
        guard let der = Data(base64Encoded: signature, options: .ignoreUnknownCharacters), !der.isEmpty else {
            throw APIRefusal(.invalidRequest, "failed to decode the instance identity cryptographic signature")
        }
        let signed: PKCS7SignedData
        do {
            signed = try PKCS7SignedData(ber: Array(der))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to parse the instance identity cryptographic signature: \(error)")
        }
        var failure = "no certificate"
        var verified = false
        for key in keys where !verified {
            do {
                try signed.verify(with: key)
                verified = true
            } catch {
                failure = "\(error)"
            }
        }
        guard verified else {
            throw APIRefusal(.invalidRequest, "failed verification of instance identity cryptographic signature: \(failure)")
        }
        guard signed.content == Array(document.utf8) else {
            throw APIRefusal(.invalidRequest, "instance identity document does not match the verified PKCS7 content")
        }
    }

    /// SPIRE's RSA path: SHA-256 of the document, PKCS #1 v1.5, with any configured certificate's key.
    private func verify(document: String, signature: String, with keys: [_RSA.Signing.PublicKey]) throws {
        guard let bytes = Data(base64Encoded: signature, options: .ignoreUnknownCharacters) else {
            throw APIRefusal(.invalidRequest, "failed to decode the IID signature: illegal base64 data")
        }
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: bytes)
        let digest = SHA256.hash(data: Array(document.utf8))
        for key in keys {
            if key.isValidSignature(rsaSignature, for: digest, padding: .insecurePKCS1v1_5) { return }
        }
        throw APIRefusal(.invalidRequest, "failed to verify the cryptographic signature: crypto/rsa: verification error")
    }

    /// SPIRE's selectors of the described instances: `tag:<key>:<value>`, `sg:id:`, `sg:name:` and, unless
    /// disabled, `iamrole:<role ARN>` of the instance profile's roles.
    private func instanceSelectors(_ instances: [SimpleXML], api: AWSAPIClient) async throws -> [String] {
        var values: [String] = []
        for instance in instances {
            for tag in instance.items("tagSet") {
                values.append("tag:\(tag.value("key") ?? ""):\(tag.value("value") ?? "")")
            }
            for group in instance.items("groupSet") {
                values.append("sg:id:\(group.value("groupId") ?? "")")
                values.append("sg:name:\(group.value("groupName") ?? "")")
            }
            if !disableInstanceProfileSelectors, let arn = instance.value("iamInstanceProfile", "arn") {
                let profile = try Self.instanceProfileName(arn)
                do {
                    values += try await api.instanceProfileRoles(name: profile).map { "iamrole:\($0)" }
                } catch {
                    throw APIRefusal(.internal, "failed to get intance profile: \(error.message)")
                }
            }
        }
        return values
    }

    /// The profile name of an instance profile ARN (`arn:aws:iam::<account>:instance-profile/<path>/<name>`).
    static func instanceProfileName(_ arn: String) throws -> String {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { throw APIRefusal(.internal, "failed to parse arn: invalid prefix") }
        let resource = parts[5]
        guard let range = resource.firstRange(of: "instance-profile"),
              let separator = resource[range.upperBound...].first, separator == "/" || separator == ":" else {
            throw APIRefusal(.internal, "arn is not for an instance profile")
        }
        let names = resource[resource.index(after: range.upperBound)...].split(separator: "/", omittingEmptySubsequences: false)
        guard let last = names.last, !last.isEmpty else { throw APIRefusal(.internal, "arn is not for an instance profile") }
        return String(last)
    }

    /// SPIRE's block device check: the root volume (unless instance store) was attached within a minute of the
    /// primary network interface, so the instance was not started from a copied volume.
    static func checkBlockDevice(_ instance: SimpleXML) throws {
        func fail(_ message: String) -> APIRefusal { APIRefusal(.internal, "failed aws ec2 attestation: \(message)") }
        guard let interface = instance.items("networkInterfaceSet").first(where: { $0.value("attachment", "deviceIndex") == "0" }) else {
            throw fail("the EC2 instance network interface with device index 0 is inaccessible")
        }
        guard instance.value("rootDeviceType") != "instance-store" else { return }
        let rootName = instance.value("rootDeviceName") ?? ""
        guard let root = instance.items("blockDeviceMapping").first(where: { $0.value("deviceName") == rootName }) else {
            throw fail("failed to locate the root device block mapping with name \"\(rootName)\"")
        }
        guard let interfaceTime = time(interface.value("attachment", "attachTime")), let rootTime = time(root.value("ebs", "attachTime")) else {
            throw fail("the attach times of the root device and network interface 0 cannot be read")
        }
        let disparity = Int(abs(interfaceTime.timeIntervalSince1970.rounded(.down) - rootTime.timeIntervalSince1970.rounded(.down)))
        if disparity > 60 {
            throw fail("failed checking the disparity device attach times, root BlockDeviceMapping and NetworkInterface[0] attach times differ by \(disparity) seconds")
        }
    }

    /// An ISO 8601 time as EC2 and STS write it, with or without fractional seconds.
    static func time(_ text: String?) -> Date? {
        guard let text else { return nil }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}
