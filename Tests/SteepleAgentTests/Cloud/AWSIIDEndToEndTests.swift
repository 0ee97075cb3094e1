import Foundation
import SPIFFETestSupport
import SteepleTestSupport
import Testing

/// `aws_iid` as SPIRE users run it: AWS's own certificates built in, and the server's AWS credentials found as the
/// AWS SDK finds them (an instance role from the metadata service, a web identity, `assume_role`). The metadata
/// service, STS, EC2 and IAM are ``FakeCloudMetadata`` on loopback, reached through the AWS SDKs' own variables
/// (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, `AWS_ENDPOINT_URL_*`); it verifies every signature the server makes.
extension CloudNodeAttestationEndToEndTests {
    /// The metadata routes an agent reads its document from, signed by `signer`.
    static func instanceIdentityRoutes(_ document: String, signedBy signer: TestCloudIssuer) throws -> [String: FakeCloudMetadata.Route] {
        let session = ["X-aws-ec2-metadata-token": "imds-session-1"]
        return [
            "PUT /latest/api/token": .init(body: "imds-session-1", requiredHeaders: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]),
            "GET /latest/dynamic/instance-identity/document": .init(body: document, requiredHeaders: session),
            "GET /latest/dynamic/instance-identity/signature": .init(body: try signer.awsSignature(document: document), requiredHeaders: session),
        ]
    }

    /// STS's answer with temporary credentials, for `action` (`AssumeRole`, `AssumeRoleWithWebIdentity`).
    static func stsAnswer(_ action: String, keyID: String, secret: String, token: String) -> String {
        let expiration = ISO8601DateFormatter().string(from: Date() + 3600)
        return #"<\#(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><\#(action)Result><Credentials><AccessKeyId>\#(keyID)</AccessKeyId><SecretAccessKey>\#(secret)</SecretAccessKey><SessionToken>\#(token)</SessionToken><Expiration>\#(expiration)</Expiration></Credentials></\#(action)Result></\#(action)Response>"#
    }

    static let selectorsOfDescribedInstance = [
        "aws_iid:account_id:555555555555", "aws_iid:az:eu-west-1b", "aws_iid:iamrole:arn:aws:iam::555555555555:role/steeple-node",
        "aws_iid:image:id:ami-0123", "aws_iid:region:eu-west-1", "aws_iid:sg:id:sg-0web", "aws_iid:sg:name:web", "aws_iid:tag:Name:web-1",
        "aws_iid:tag:team:blue & green",
    ]

    @Test("aws_iid with SPIRE's plugin_data alone: AWS's certificates are built in, so a document signed by any other key is refused, and an rsa2048 signature from a region AWS has no RSA-2048 certificate for is refused naming the region")
    func awsBuiltInCertificates() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let forger = try TestCloudIssuer()
        try fake.write(try Self.instanceIdentityRoutes(Self.awsDocument(), signedBy: forger))
        try await fake.start()
        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"NodeAttestor "aws_iid" { plugin_data { account_ids_for_local_validation = ["123456789012"] } }"#)
        server.environment = Self.noAWSCredentials
        try await server.start()
        let nodeAttestor = #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed to verify the cryptographic signature: crypto/rsa: verification error", "a document not signed by AWS")
        var routes = try Self.instanceIdentityRoutes(Self.awsDocument().replacingOccurrences(of: "eu-west-1", with: "mars-north-1"), signedBy: forger)
        routes["GET /latest/dynamic/instance-identity/rsa2048"] = .init(body: try forger.awsRSA2048Signature(document: Self.awsDocument()))
        try fake.write(routes)
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed to load the AWS CA certificate for region \"mars-north-1\": unsupported region", "a region without an RSA-2048 certificate")
        #expect(!(try await server.cli(["agent", "list"])).stdout.contains("spiffe://"), "no agent attested")
        _ = try await server.stop()
    }

    @Test("aws_iid with an instance role and assume_role, as SPIRE on EC2: the server takes its role's credentials from IMDSv2, assumes arn:aws:iam::<the instance's account>:role/<assume_role> with STS (signed with the instance role's session), and calls EC2 and IAM with the assumed session; a second instance reuses both; an STS refusal is the attestation's refusal")
    func awsInstanceRoleAssumeRole() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let aws = try TestCloudIssuer()
        let certificates = fake.directory + "/aws-certificates.pem"
        try aws.certificatePEM.write(toFile: certificates, atomically: true, encoding: .utf8)
        let instanceRole = (keyID: "ASIAINSTANCEROLE", secret: "instance/role+secret", token: "instance-role-session")
        let assumed = (keyID: "ASIAASSUMEDROLE", secret: "assumed/role+secret", token: "assumed-role-session")
        func serve(instanceID: String, stsStatus: Int = 200) throws {
            var routes = try Self.instanceIdentityRoutes(Self.awsDocument(account: "555555555555", instanceID: instanceID), signedBy: aws)
            let session = ["X-aws-ec2-metadata-token": "imds-session-1"]
            routes["GET /latest/meta-data/iam/security-credentials/"] = .init(body: "steeple-server-role\n", requiredHeaders: session)
            routes["GET /latest/meta-data/iam/security-credentials/steeple-server-role"] = .init(
                body: #"{"Code":"Success","LastUpdated":"2026-12-07T06:00:00Z","Type":"AWS-HMAC","AccessKeyId":"\#(instanceRole.keyID)","SecretAccessKey":"\#(instanceRole.secret)","Token":"\#(instanceRole.token)","Expiration":"\#(ISO8601DateFormatter().string(from: Date() + 6 * 3600))"}"#,
                requiredHeaders: session)
            routes["POST /sts/"] = stsStatus == 200
                ? .init(body: Self.stsAnswer("AssumeRole", keyID: assumed.keyID, secret: assumed.secret, token: assumed.token), sigV4: (instanceRole.keyID, instanceRole.secret, "sts"), sigV4SessionToken: instanceRole.token)
                : .init(status: stsStatus, body: #"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>"#)
            routes["POST /ec2/"] = .init(body: Self.describe(instanceID: instanceID, rootAttached: "2026-12-06T10:00:20.000Z"), sigV4: (assumed.keyID, assumed.secret, "ec2"), sigV4SessionToken: assumed.token)
            routes["POST /iam/"] = .init(body: Self.profile, sigV4: (assumed.keyID, assumed.secret, "iam"), sigV4SessionToken: assumed.token)
            try fake.write(routes)
        }
        try serve(instanceID: "i-0denied", stsStatus: 403)
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "\#(certificates)" assume_role = "steeple-attestor" } }
            """#)
        server.environment = Self.noAWSCredentials.merging([
            "AWS_EC2_METADATA_DISABLED": "", "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake.endpoint,
            "AWS_ENDPOINT_URL_STS": fake.endpoint + "/sts", "AWS_ENDPOINT_URL_EC2": fake.endpoint + "/ec2", "AWS_ENDPOINT_URL_IAM": fake.endpoint + "/iam",
        ]) { $1 }
        try await server.start()
        let nodeAttestor = #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await refused(
            serverPort: serverPort, nodeAttestor: nodeAttestor,
            message: "failed to assume role arn:aws:iam::555555555555:role/steeple-attestor: api error AccessDenied: User is not authorized to perform: sts:AssumeRole",
            "STS refuses the role")

        for instance in ["i-0first", "i-0second"] {
            try serve(instanceID: instance)
            try await attestOnce(
                server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/aws_iid/555555555555/eu-west-1/\(instance)",
                selectors: (Self.selectorsOfDescribedInstance + ["aws_iid:instance:id:\(instance)"]).sorted(), type: "aws_iid")
        }
        let requests = fake.requests.split(separator: "\n")
        let assumeRoles = fake.bodies.split(separator: "\n").filter { $0.hasPrefix("POST /sts/ Action=AssumeRole&") }
        #expect(assumeRoles.count == 2, "one refused, then one kept for both instances: \(assumeRoles)")
        #expect(assumeRoles.last?.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A555555555555%3Arole%2Fsteeple-attestor") == true, "\(assumeRoles)")
        #expect(requests.filter { $0.hasPrefix("GET /latest/meta-data/iam/security-credentials/steeple-server-role") }.count == 1, "the instance role's session is kept: \(fake.requests)")
        #expect(requests.filter { $0.hasPrefix("POST /ec2/") }.count == 2, "\(fake.requests)")
        _ = try await server.stop()
    }

    @Test("aws_iid with a web identity, as SPIRE on EKS with IAM roles for service accounts: the server exchanges the projected token (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN) with STS AssumeRoleWithWebIdentity and signs EC2 and IAM calls with the session it gets; the agent ID from the instance's Name tag ({{ .Tags.Name }})")
    func awsWebIdentity() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let aws = try TestCloudIssuer()
        let certificates = fake.directory + "/aws-certificates.pem"
        try aws.certificatePEM.write(toFile: certificates, atomically: true, encoding: .utf8)
        let tokenFile = fake.directory + "/eks-token"
        try "eyJhbGciOiJSUzI1NiJ9.eks-projected.token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let web = (keyID: "ASIAWEBIDENTITY", secret: "web/identity+secret", token: "web-identity-session")
        var routes = try Self.instanceIdentityRoutes(Self.awsDocument(account: "555555555555", instanceID: "i-0eks"), signedBy: aws)
        routes["POST /sts/"] = .init(body: Self.stsAnswer("AssumeRoleWithWebIdentity", keyID: web.keyID, secret: web.secret, token: web.token))
        routes["POST /ec2/"] = .init(body: Self.describe(instanceID: "i-0eks", rootAttached: "2026-12-06T10:00:20.000Z"), sigV4: (web.keyID, web.secret, "ec2"), sigV4SessionToken: web.token)
        routes["POST /iam/"] = .init(body: Self.profile, sigV4: (web.keyID, web.secret, "iam"), sigV4SessionToken: web.token)
        try fake.write(routes)
        try await fake.start()

        let serverPort = try freeTCPPort()
        // The agent's ID from the instance's Name tag, as SPIRE's agent_path_template allows.
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "\#(certificates)" agent_path_template = "/{{ .PluginName }}/{{ .AccountID }}/{{ .Tags.Name }}" } }
            """#)
        server.environment = Self.noAWSCredentials.merging([
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::555555555555:role/spire-server",
            "AWS_ENDPOINT_URL_STS": fake.endpoint + "/sts", "AWS_ENDPOINT_URL_EC2": fake.endpoint + "/ec2", "AWS_ENDPOINT_URL_IAM": fake.endpoint + "/iam",
        ]) { $1 }
        try await server.start()
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#,
            agentID: "spiffe://example.org/spire/agent/aws_iid/555555555555/web-1",
            selectors: (Self.selectorsOfDescribedInstance + ["aws_iid:instance:id:i-0eks"]).sorted(), type: "aws_iid")
        let exchange = fake.bodies.split(separator: "\n").filter { $0.hasPrefix("POST /sts/") }
        #expect(exchange.count == 1, "\(fake.bodies)")
        #expect(!fake.requests.contains("eks-projected"), "the token is never in a URL: \(fake.requests)")
        #expect(exchange.first?.contains("Action=AssumeRoleWithWebIdentity&RoleArn=arn%3Aaws%3Aiam%3A%3A555555555555%3Arole%2Fspire-server&RoleSessionName=") == true, "\(exchange)")
        #expect(exchange.first?.contains("WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.eks-projected.token") == true, "the projected token, trimmed: \(exchange)")
        _ = try await server.stop()
    }
}

extension CloudNodeAttestationEndToEndTests {
    @Test("aws_iid with verify_organization and validate_eks_cluster_membership, as SPIRE: the organization's active accounts from Organizations ListAccounts (all pages; SigV4 over the JSON body, as the role assume_org_role of the management account), the clusters' instances from EKS node groups and their Auto Scaling groups; an account that is not active and an instance outside the clusters are refused")
    func awsOrganizationAndEKS() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let aws = try TestCloudIssuer()
        let certificates = fake.directory + "/aws-certificates.pem"
        try aws.certificatePEM.write(toFile: certificates, atomically: true, encoding: .utf8)
        let keys = (keyID: "AKIASTEEPLESERVER", secret: "server/secret+key")
        let org = (keyID: "ASIAORGREADER", secret: "org/reader+secret", token: "org-reader-session")
        func serve(account: String, instanceID: String) throws {
            var routes = try Self.instanceIdentityRoutes(Self.awsDocument(account: account, instanceID: instanceID), signedBy: aws)
            routes["POST /sts/"] = .init(body: Self.stsAnswer("AssumeRole", keyID: org.keyID, secret: org.secret, token: org.token), sigV4: (keys.keyID, keys.secret, "sts"))
            routes["POST /org/ {}"] = .init(
                body: #"{"Accounts":[{"Id":"555555555555","Status":"ACTIVE","Name":"prod"},{"Id":"666666666666","Status":"SUSPENDED","Name":"old"}],"NextToken":"page-2"}"#,
                requiredHeaders: ["X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts"], sigV4: (org.keyID, org.secret, "organizations"), sigV4SessionToken: org.token)
            routes[#"POST /org/ {"NextToken":"page-2"}"#] = .init(
                body: #"{"Accounts":[{"Id":"777777777777","Status":"ACTIVE","Name":"staging"}]}"#,
                requiredHeaders: ["X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts"], sigV4: (org.keyID, org.secret, "organizations"), sigV4SessionToken: org.token)
            routes["GET /eks/clusters/prod/node-groups"] = .init(body: #"{"nodegroups":["ng-1"]}"#, sigV4: (keys.keyID, keys.secret, "eks"))
            routes["GET /eks/clusters/prod/node-groups/ng-1"] = .init(
                body: #"{"nodegroup":{"nodegroupName":"ng-1","resources":{"autoScalingGroups":[{"name":"eks-ng-1-asg"}]}}}"#, sigV4: (keys.keyID, keys.secret, "eks"))
            routes["POST /asg/"] = .init(
                body: #"<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>eks-ng-1-asg</AutoScalingGroupName><Instances><member><InstanceId>i-0member</InstanceId><LifecycleState>InService</LifecycleState></member><member><InstanceId>i-0staging</InstanceId></member></Instances></member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"#,
                sigV4: (keys.keyID, keys.secret, "autoscaling"))
            routes["POST /ec2/"] = .init(body: Self.describe(instanceID: instanceID, rootAttached: "2026-12-06T10:00:20.000Z"), sigV4: (keys.keyID, keys.secret, "ec2"))
            routes["POST /iam/"] = .init(body: Self.profile, sigV4: (keys.keyID, keys.secret, "iam"))
            try fake.write(routes)
        }
        try serve(account: "555555555555", instanceID: "i-0member")
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "aws_iid" {
                plugin_data {
                    aws_ca_certificate_path = "\#(certificates)"
                    access_key_id = "\#(keys.keyID)"
                    secret_access_key = "\#(keys.secret)"
                    verify_organization = { management_account_id = "111111111111" assume_org_role = "spire-org-reader" }
                    validate_eks_cluster_membership = { eks_cluster_names = ["prod"] }
                }
            }
            """#)
        server.environment = Self.noAWSCredentials.merging([
            "AWS_ENDPOINT_URL_STS": fake.endpoint + "/sts", "AWS_ENDPOINT_URL_ORGANIZATIONS": fake.endpoint + "/org/", "AWS_ENDPOINT_URL_EKS": fake.endpoint + "/eks",
            "AWS_ENDPOINT_URL_AUTO_SCALING": fake.endpoint + "/asg", "AWS_ENDPOINT_URL_EC2": fake.endpoint + "/ec2", "AWS_ENDPOINT_URL_IAM": fake.endpoint + "/iam",
        ]) { $1 }
        try await server.start()
        let nodeAttestor = #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/aws_iid/555555555555/eu-west-1/i-0member",
            selectors: (Self.selectorsOfDescribedInstance + ["aws_iid:instance:id:i-0member"]).sorted(), type: "aws_iid")
        #expect(fake.bodies.contains("POST /sts/ Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fspire-org-reader&RoleSessionName="), "\(fake.bodies)")
        #expect(fake.bodies.contains(#"POST /org/ {"NextToken":"page-2"}"#), "the second page: \(fake.bodies)")

        // An account of the second page attests; a suspended account, and an instance outside the cluster, do not.
        try serve(account: "777777777777", instanceID: "i-0staging")
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/aws_iid/777777777777/eu-west-1/i-0staging",
            selectors: (Self.selectorsOfDescribedInstance.map { $0.replacingOccurrences(of: "account_id:555555555555", with: "account_id:777777777777") } + ["aws_iid:instance:id:i-0staging"]).sorted(),
            type: "aws_iid")
        try serve(account: "666666666666", instanceID: "i-0member")
        try await refused(
            serverPort: serverPort, nodeAttestor: nodeAttestor,
            message: "failed aws ec2 attestation, nodes account id: 666666666666 is not part of configured organization or doesn't have ACTIVE status", "a suspended account")
        try serve(account: "555555555555", instanceID: "i-0outsider")
        try await refused(
            serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed aws eks attestation, nodes id: i-0outsider is not part of configured EKS cluster", "an instance outside the cluster")
        _ = try await server.stop()
    }
}

extension CloudNodeAttestationEndToEndTests {
    @Test("aws_iid with container credentials, as SPIRE under EKS Pod Identity or ECS: the server reads AWS_CONTAINER_CREDENTIALS_FULL_URI with the token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE and signs EC2 and IAM calls with what it answers")
    func awsContainerCredentials() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let aws = try TestCloudIssuer()
        let certificates = fake.directory + "/aws-certificates.pem"
        try aws.certificatePEM.write(toFile: certificates, atomically: true, encoding: .utf8)
        let tokenFile = fake.directory + "/pod-identity-token"
        try "pod-identity-token-1\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let pod = (keyID: "ASIAPODIDENTITY", secret: "pod/identity+secret", token: "pod-identity-session")
        var routes = try Self.instanceIdentityRoutes(Self.awsDocument(account: "555555555555", instanceID: "i-0pod"), signedBy: aws)
        routes["GET /v1/credentials"] = .init(
            body: #"{"AccessKeyId":"\#(pod.keyID)","SecretAccessKey":"\#(pod.secret)","Token":"\#(pod.token)","Expiration":"\#(ISO8601DateFormatter().string(from: Date() + 3600))"}"#,
            requiredHeaders: ["Authorization": "pod-identity-token-1"])
        routes["POST /ec2/"] = .init(body: Self.describe(instanceID: "i-0pod", rootAttached: "2026-12-06T10:00:20.000Z"), sigV4: (pod.keyID, pod.secret, "ec2"), sigV4SessionToken: pod.token)
        routes["POST /iam/"] = .init(body: Self.profile, sigV4: (pod.keyID, pod.secret, "iam"), sigV4SessionToken: pod.token)
        try fake.write(routes)
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "\#(certificates)" } }"#)
        server.environment = Self.noAWSCredentials.merging([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": fake.endpoint + "/v1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
            "AWS_ENDPOINT_URL_EC2": fake.endpoint + "/ec2", "AWS_ENDPOINT_URL_IAM": fake.endpoint + "/iam",
        ]) { $1 }
        try await server.start()
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#,
            agentID: "spiffe://example.org/spire/agent/aws_iid/555555555555/eu-west-1/i-0pod",
            selectors: (Self.selectorsOfDescribedInstance + ["aws_iid:instance:id:i-0pod"]).sorted(), type: "aws_iid")
        #expect(fake.requests.contains("GET /v1/credentials Authorization=pod-identity-token-1"), "\(fake.requests)")
        _ = try await server.stop()
    }
}
