import Foundation
import SPIFFE
import SPIFFETestSupport
import SteepleTestSupport
import Testing

/// SPIRE's cloud node attestors end to end, with real processes: a `steeple-server` verifying with keys the test
/// made, a `steeple-agent` reading its evidence from a loopback metadata service double (``FakeCloudMetadata``), and
/// the agent's ID and selectors read back with `steeple-server agent show`. Each test also replays the evidence from a
/// second agent (trust on first use) and offers evidence the server must refuse.
@Suite("Cloud node attestation end to end", .serialized)
struct CloudNodeAttestationEndToEndTests {
    /// Starts `server`, attests an agent configured with `nodeAttestor`, and checks its ID and selectors.
    func attestOnce(server: ServerProcess, serverPort: Int, nodeAttestor: String, agentID: String, selectors: [String], type: String) async throws {
        let agent = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, nodeAttestor: nodeAttestor)
        do {
            try await agent.start(joinToken: nil)
            #expect(agent.logText.contains("Node attestation was successful") && agent.logText.contains(agentID), "\(agent.logText)")
            let shown = try await server.cli(["agent", "show", "-spiffeID", agentID])
            #expect(shown.status == 0, "\(shown.stderr)")
            for selector in selectors {
                #expect(shown.stdout.contains("Selectors         : \(selector)\n"), "\(selector) in \(shown.stdout)")
            }
            #expect(shown.stdout.contains("Attestation type  : \(type)"), "\(shown.stdout)")
            #expect(shown.stdout.components(separatedBy: "Selectors         :").count - 1 == selectors.count, "only SPIRE's selectors: \(shown.stdout)")
        } catch {
            print("--- agent log\n\(agent.logText)\n--- server log\n\((try? String(contentsOfFile: server.log, encoding: .utf8)) ?? "")")
            _ = try? await agent.stop()
            throw error
        }
        _ = try await agent.stop()
    }

    /// An agent that must fail to attest, with `message` in its log.
    func refused(serverPort: Int, nodeAttestor: String, message: String, _ what: String) async throws {
        let agent = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, nodeAttestor: nodeAttestor)
        let result = try await agent.runToExit(joinToken: nil)
        #expect(result.status != 0, "\(what): \(result.log)")
        #expect(result.log.contains("failed to attest") && result.log.contains(message), "\(what): expected \(message) in\n\(result.log)")
    }

    // MARK: gcp_iit

    static let gcpPath = "/computeMetadata/v1/instance/service-accounts/default/identity?audience=spire-gcp-node-attestor&format=full"

    static func gcpToken(_ issuer: TestCloudIssuer, project: String = "project-1", instanceID: String = "4711") throws -> String {
        try issuer.jwt(claims: [
            "iss": "https://accounts.google.com", "aud": "spire-gcp-node-attestor", "azp": "1", "sub": "1",
            "email": "agent@project-1.iam.gserviceaccount.com",
            "iat": Int(Date().timeIntervalSince1970) - 5, "exp": Int(Date().timeIntervalSince1970) + 3600,
            "google": ["compute_engine": [
                "project_id": project, "project_number": 42, "zone": "europe-west1-b", "instance_id": instanceID, "instance_name": "node-\(instanceID)",
                "instance_creation_timestamp": 1_700_000_000,
            ] as [String: Any]],
        ])
    }

    @Test("gcp_iit: the agent reads its identity token from the metadata server (Metadata-Flavor: Google) and gets SPIRE's agent ID and selectors; the same token again, another project and a forged token are refused; without a metadata server the agent says so")
    func gcp() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let google = try TestCloudIssuer(keyID: "google-key")
        let keys = fake.directory + "/google-certs.json"
        try google.pemByKeyIDJSON.write(toFile: keys, atomically: true, encoding: .utf8)
        func serve(_ token: String) throws {
            try fake.write(["GET " + Self.gcpPath: .init(body: token, requiredHeaders: ["Metadata-Flavor": "Google"])])
        }
        try serve(try Self.gcpToken(google))
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "gcp_iit" { plugin_data { projectid_allow_list = ["project-1"] key_set_url = "\#(keys)" } }
            """#)
        try await server.start()
        let nodeAttestor = #"NodeAttestor "gcp_iit" { plugin_data { identity_token_host = "\#(fake.hostAndPort)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/gcp_iit/project-1/4711",
            selectors: ["gcp_iit:instance-name:node-4711", "gcp_iit:project-id:project-1", "gcp_iit:sa:agent@project-1.iam.gserviceaccount.com", "gcp_iit:zone:europe-west1-b"],
            type: "gcp_iit")
        #expect(fake.requests.contains("GET \(Self.gcpPath) Metadata-Flavor=Google"), "\(fake.requests)")

        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "attestation data has already been used to attest an agent", "the same instance again")
        try serve(try Self.gcpToken(google, project: "project-2", instanceID: "4712"))
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "identity token project ID \"project-2\" is not in the allow list", "another project")
        try serve(try Self.gcpToken(try TestCloudIssuer(keyID: "google-key"), instanceID: "4713"))
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed to validate the identity token signature", "a token signed by another key")
        let listed = try await server.cli(["agent", "list"])
        #expect(!listed.stdout.contains("4712") && !listed.stdout.contains("4713"), "no refused agent is stored: \(listed.stdout)")

        // No metadata server: the agent stops before asking the server, saying what it could not read.
        let closedPort = try freeTCPPort()
        let stranded = try AgentProcess(serverPort: serverPort, trustBundlePath: nil, nodeAttestor: #"NodeAttestor "gcp_iit" { plugin_data { identity_token_host = "127.0.0.1:\#(closedPort)" } }"#)
        let result = try await stranded.runToExit(joinToken: nil)
        #expect(result.status != 0 && result.log.contains("gcp_iit: unable to retrieve valid identity token"), "\(result.log)")
        _ = try await server.stop()
    }

    @Test("gcp_iit with use_instance_metadata: the server signs a service account assertion, takes an access token and reads the instance from the Compute API: tag, allowed label and metadata selectors; an allowed metadata value over max_metadata_value_size fails attestation")
    func gcpInstanceMetadata() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let google = try TestCloudIssuer(keyID: "google-key")
        let serviceAccount = try TestCloudIssuer(keyID: "sa-key")
        let keys = fake.directory + "/google-certs.json"
        try google.pemByKeyIDJSON.write(toFile: keys, atomically: true, encoding: .utf8)
        let accountFile = fake.directory + "/service-account.json"
        let account: [String: String] = [
            "type": "service_account", "project_id": "project-1", "private_key_id": "sa-key",
            "private_key": serviceAccount.privateKeyPKCS8PEM, "client_email": "steeple@project-1.iam.gserviceaccount.com",
            "token_uri": "\(fake.endpoint)/token",
        ]
        try JSONSerialization.data(withJSONObject: account).write(to: URL(fileURLWithPath: accountFile))
        func instance(_ role: String) -> String {
            #"{"kind":"compute#instance","id":"4720","name":"node","tags":{"items":["web","prod"],"fingerprint":"x"},"labels":{"env":"prod","team":"blue"},"metadata":{"kind":"compute#metadata","items":[{"key":"role","value":"\#(role)"},{"key":"ssh-keys","value":"root:ssh-ed25519 AAAA"}]}}"#
        }
        func serve(instanceID: String, role: String) throws {
            try fake.write([
                "GET " + Self.gcpPath: .init(body: try Self.gcpToken(google, instanceID: instanceID), requiredHeaders: ["Metadata-Flavor": "Google"]),
                "POST /token": .init(body: #"{"access_token":"ya29.steeple-test","expires_in":3599,"token_type":"Bearer"}"#, requiredHeaders: ["Content-Type": "application/x-www-form-urlencoded"]),
                "GET /compute/v1/projects/project-1/zones/europe-west1-b/instances/node-\(instanceID)": .init(body: instance(role), requiredHeaders: ["Authorization": "Bearer ya29.steeple-test"]),
            ])
        }
        try serve(instanceID: "4720", role: "frontend")
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "gcp_iit" {
                plugin_data {
                    projectid_allow_list = ["project-1"]
                    key_set_url = "\#(keys)"
                    use_instance_metadata = true
                    service_account_file = "\#(accountFile)"
                    compute_endpoint = "\#(fake.endpoint)/compute/v1/"
                    allowed_label_keys = ["env"]
                    allowed_metadata_keys = ["role"]
                    max_metadata_value_size = 16
                }
            }
            """#)
        try await server.start()
        let nodeAttestor = #"NodeAttestor "gcp_iit" { plugin_data { identity_token_host = "\#(fake.hostAndPort)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/gcp_iit/project-1/4720",
            selectors: [
                "gcp_iit:instance-name:node-4720", "gcp_iit:label:env:prod", "gcp_iit:metadata:role:frontend", "gcp_iit:project-id:project-1",
                "gcp_iit:sa:agent@project-1.iam.gserviceaccount.com", "gcp_iit:tag:prod", "gcp_iit:tag:web", "gcp_iit:zone:europe-west1-b",
            ],
            type: "gcp_iit")

        // The assertion the server exchanged: RS256 with the service account's key, for the Compute API's scope.
        let exchange = try #require(fake.bodies.split(separator: "\n").first { $0.hasPrefix("POST /token ") })
        #expect(exchange.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="), "\(exchange)")
        let assertion = String(try #require(exchange.split(separator: "assertion=").last))
        let verified = try VerifiedJWS(token: assertion, keySet: serviceAccount.keySet, algorithms: [.rs256])
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(verified.payload)) as? [String: Any])
        #expect(claims["iss"] as? String == "steeple@project-1.iam.gserviceaccount.com" && claims["aud"] as? String == "\(fake.endpoint)/token")
        #expect(claims["scope"] as? String == "https://www.googleapis.com/auth/compute.readonly")

        try serve(instanceID: "4721", role: String(repeating: "x", count: 40))
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "metadata \"role\" exceeded value limit (40 > 16)", "a metadata value over the limit")
        _ = try await server.stop()
    }

    // MARK: aws_iid

    /// A server environment in which the AWS credential chain finds nothing, whatever the machine has.
    static let noAWSCredentials = [
        "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_PROFILE": "",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_EC2_METADATA_DISABLED": "true",
    ]

    static func awsDocument(account: String = "123456789012", instanceID: String = "i-0abc") -> String {
        #"{"accountId":"\#(account)","architecture":"x86_64","availabilityZone":"eu-west-1b","imageId":"ami-0123","instanceId":"\#(instanceID)","instanceType":"t3.micro","pendingTime":"2026-12-06T10:00:00Z","privateIp":"10.0.0.9","region":"eu-west-1","version":"2017-09-30"}"#
    }

    @Test("aws_iid: the agent takes an IMDSv2 token, reads the identity document and signature, and gets SPIRE's agent ID and selectors; the same instance again, a forged signature and an account not validated are refused; an rsa2048 PKCS #7 signature attests, a forged one is refused")
    func aws() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let aws = try TestCloudIssuer()
        let certificates = fake.directory + "/aws-certificates.pem"
        try aws.certificatePEM.write(toFile: certificates, atomically: true, encoding: .utf8)
        func serve(_ document: String, signedBy signer: TestCloudIssuer, rsa2048: Bool = false) throws {
            let session = ["X-aws-ec2-metadata-token": "imds-session-1"]
            var routes: [String: FakeCloudMetadata.Route] = [
                "PUT /latest/api/token": .init(body: "imds-session-1", requiredHeaders: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]),
                "GET /latest/dynamic/instance-identity/document": .init(body: document, requiredHeaders: session),
                "GET /latest/dynamic/instance-identity/signature": .init(body: try signer.awsSignature(document: document), requiredHeaders: session),
            ]
            if rsa2048 {
                routes["GET /latest/dynamic/instance-identity/rsa2048"] = .init(body: try signer.awsRSA2048Signature(document: document), requiredHeaders: session)
            }
            try fake.write(routes)
        }
        try serve(Self.awsDocument(), signedBy: aws)
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "\#(certificates)" account_ids_for_local_validation = ["123456789012"] } }
            """#)
        // No AWS credentials, even if the test's environment has some: no AWS API is called.
        server.environment = Self.noAWSCredentials
        try await server.start()
        let nodeAttestor = #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/aws_iid/123456789012/eu-west-1/i-0abc",
            selectors: ["aws_iid:account_id:123456789012", "aws_iid:az:eu-west-1b", "aws_iid:image:id:ami-0123", "aws_iid:instance:id:i-0abc", "aws_iid:region:eu-west-1"],
            type: "aws_iid")
        #expect(fake.requests.contains("PUT /latest/api/token X-aws-ec2-metadata-token-ttl-seconds=21600"), "\(fake.requests)")
        #expect(fake.requests.contains("GET /latest/dynamic/instance-identity/document X-aws-ec2-metadata-token=imds-session-1"), "\(fake.requests)")

        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "attestation data has already been used to attest an agent", "the same instance again")
        try serve(Self.awsDocument(instanceID: "i-0forged"), signedBy: try TestCloudIssuer())
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed to verify the cryptographic signature: crypto/rsa: verification error", "a document signed by another key")
        try serve(Self.awsDocument(account: "999999999999", instanceID: "i-0other"), signedBy: aws)
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "account \"999999999999\" is not in account_ids_for_local_validation", "another account")
        // The rsa2048 PKCS #7 signature, which SPIRE prefers: a good one attests, one of another key is refused.
        try serve(Self.awsDocument(instanceID: "i-0pkcs7"), signedBy: aws, rsa2048: true)
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/aws_iid/123456789012/eu-west-1/i-0pkcs7",
            selectors: ["aws_iid:account_id:123456789012", "aws_iid:az:eu-west-1b", "aws_iid:image:id:ami-0123", "aws_iid:instance:id:i-0pkcs7", "aws_iid:region:eu-west-1"],
            type: "aws_iid")
        try serve(Self.awsDocument(instanceID: "i-0forged7"), signedBy: try TestCloudIssuer(), rsa2048: true)
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed verification of instance identity cryptographic signature", "a PKCS #7 signature of another key")
        let listed = try await server.cli(["agent", "list"])
        #expect(!listed.stdout.contains("i-0forged") && !listed.stdout.contains("i-0other") && listed.stdout.contains("i-0pkcs7"), "no refused agent is stored: \(listed.stdout)")
        _ = try await server.stop()
    }

    /// EC2's DescribeInstances answer for one running instance of account 555555555555 with a security group, an
    /// instance profile and two tags.
    static func describe(instanceID: String, rootAttached: String) -> String {
        #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><reservationSet><item><reservationId>r-0a</reservationId><ownerId>555555555555</ownerId><instancesSet><item>
        <instanceId>\#(instanceID)</instanceId><imageId>ami-0123</imageId><instanceState><code>16</code><name>running</name></instanceState>
        <groupSet><item><groupId>sg-0web</groupId><groupName>web</groupName></item></groupSet>
        <rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>
        <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1</volumeId><status>attached</status><attachTime>\#(rootAttached)</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>
        <networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId><attachment><attachmentId>eni-attach-1</attachmentId><deviceIndex>0</deviceIndex><status>attached</status><attachTime>2026-12-06T10:00:00.000Z</attachTime></attachment></item></networkInterfaceSet>
        <iamInstanceProfile><arn>arn:aws:iam::555555555555:instance-profile/nodes/steeple-node</arn><id>AIPA1</id></iamInstanceProfile>
        <tagSet><item><key>Name</key><value>web-1</value></item><item><key>team</key><value>blue &amp; green</value></item></tagSet>
        </item></instancesSet></item></reservationSet></DescribeInstancesResponse>
        """#
    }

    /// IAM's GetInstanceProfile answer for that instance's profile.
    static let profile = #"<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileName>steeple-node</InstanceProfileName><Roles><member><RoleName>steeple-node</RoleName><Arn>arn:aws:iam::555555555555:role/steeple-node</Arn></member></Roles></InstanceProfile></GetInstanceProfileResult></GetInstanceProfileResponse>"#

    @Test("aws_iid with AWS credentials: the server calls EC2 DescribeInstances and IAM GetInstanceProfile with SigV4 (the double verifies it), runs SPIRE's block device check for an account not validated locally and adds tag, security group and IAM role selectors; a root volume attached an hour after the network interface is refused")
    func awsDescribeInstances() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let aws = try TestCloudIssuer()
        let certificates = fake.directory + "/aws-certificates.pem"
        try aws.certificatePEM.write(toFile: certificates, atomically: true, encoding: .utf8)
        let credentials = (accessKeyID: "AKIASTEEPLETEST", secretAccessKey: "steeple/secret+key", service: "ec2")
        func serve(instanceID: String, rootAttached: String) throws {
            let document = Self.awsDocument(account: "555555555555", instanceID: instanceID)
            try fake.write([
                "PUT /latest/api/token": .init(body: "imds-session-1"),
                "GET /latest/dynamic/instance-identity/document": .init(body: document),
                "GET /latest/dynamic/instance-identity/signature": .init(body: try aws.awsSignature(document: document)),
                "POST /ec2/": .init(body: Self.describe(instanceID: instanceID, rootAttached: rootAttached), sigV4: credentials),
                "POST /iam/": .init(body: Self.profile, sigV4: (credentials.accessKeyID, credentials.secretAccessKey, "iam")),
            ])
        }
        try serve(instanceID: "i-0described", rootAttached: "2026-12-06T10:00:20.000Z")
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "aws_iid" {
                plugin_data {
                    aws_ca_certificate_path = "\#(certificates)"
                    access_key_id = "\#(credentials.accessKeyID)"
                    secret_access_key = "\#(credentials.secretAccessKey)"
                }
            }
            """#)
        server.environment = ["AWS_ENDPOINT_URL_EC2": fake.endpoint + "/ec2", "AWS_ENDPOINT_URL_IAM": fake.endpoint + "/iam"]
        try await server.start()
        let nodeAttestor = #"NodeAttestor "aws_iid" { plugin_data { ec2_metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor, agentID: "spiffe://example.org/spire/agent/aws_iid/555555555555/eu-west-1/i-0described",
            selectors: [
                "aws_iid:account_id:555555555555", "aws_iid:az:eu-west-1b", "aws_iid:iamrole:arn:aws:iam::555555555555:role/steeple-node",
                "aws_iid:image:id:ami-0123", "aws_iid:instance:id:i-0described", "aws_iid:region:eu-west-1", "aws_iid:sg:id:sg-0web",
                "aws_iid:sg:name:web", "aws_iid:tag:Name:web-1", "aws_iid:tag:team:blue & green",
            ],
            type: "aws_iid")
        #expect(fake.bodies.contains("POST /ec2/ Action=DescribeInstances&Filter.1.Name=instance-state-name&Filter.1.Value.1=pending&Filter.1.Value.2=running&InstanceId.1=i-0described&Version=2016-11-15"), "\(fake.requests)")
        #expect(fake.bodies.contains("POST /iam/ Action=GetInstanceProfile&InstanceProfileName=steeple-node&Version=2010-05-08"), "\(fake.bodies)")

        try serve(instanceID: "i-0copied", rootAttached: "2026-12-06T11:00:00.000Z")
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "failed aws ec2 attestation: failed checking the disparity device attach times, root BlockDeviceMapping and NetworkInterface[0] attach times differ by 3600 seconds", "a root volume attached an hour late")
        _ = try await server.stop()
    }

    // MARK: azure_msi

    static let tenant = "11111111-2222-4333-8444-555555555555"

    static func azureResponse(_ issuer: TestCloudIssuer, tenant: String = tenant, principal: String = "aaaaaaaa-0000-4000-8000-000000000001", expires: Date = Date() + 3600) throws -> String {
        let token = try issuer.jwt(claims: [
            "aud": "https://management.azure.com/", "iss": "https://sts.windows.net/\(tenant)/", "tid": tenant, "sub": principal, "oid": principal,
            "iat": Int(Date().timeIntervalSince1970) - 5, "nbf": Int(Date().timeIntervalSince1970) - 5, "exp": Int(expires.timeIntervalSince1970),
        ], extraHeader: ["x5t": "thumbprint"])
        return #"{"access_token":"\#(token)","expires_in":"3599","resource":"https://management.azure.com/","token_type":"Bearer"}"#
    }

    @Test("azure_msi: the agent gets a managed identity token from IMDS (Metadata: true) and SPIRE's agent ID, the server reading Microsoft's keys over HTTPS once; the same principal again, another tenant and an expired token are refused")
    func azure() async throws {
        let fake = try FakeCloudMetadata(tls: true)
        defer { fake.stop() }
        let microsoft = try TestCloudIssuer(keyID: "ms-1")
        let keySet = microsoft.jwksJSON
        func serve(_ response: String) throws {
            try fake.write([
                "GET /metadata/identity/oauth2/token?*": .init(body: response, requiredHeaders: ["Metadata": "true"]),
                "GET /common/discovery/keys": .init(body: keySet),
            ])
        }
        try serve(try Self.azureResponse(microsoft))
        try await fake.start()

        let serverPort = try freeTCPPort()
        let keysURL = "https://127.0.0.1:\(try #require(fake.tlsPort))/common/discovery/keys"
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "azure_msi" { plugin_data { tenants = { "\#(Self.tenant)" = {} } key_set_url = "\#(keysURL)" } }
            """#)
        // The system trust store as Go reads it: only the fake's CA.
        let noDirectory = fake.directory + "/no-certs"
        try FileManager.default.createDirectory(atPath: noDirectory, withIntermediateDirectories: true)
        // The server is not on Azure: its instance metadata service (a closed port) does not answer, so no selectors.
        server.environment = ["SSL_CERT_FILE": fake.caPath, "SSL_CERT_DIR": noDirectory, "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:1"]
        try await server.start()
        let nodeAttestor = #"NodeAttestor "azure_msi" { plugin_data { metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor,
            agentID: "spiffe://example.org/spire/agent/azure_msi/\(Self.tenant)/aaaaaaaa-0000-4000-8000-000000000001", selectors: [], type: "azure_msi")
        #expect(fake.requests.contains("GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=https") && fake.requests.contains("Metadata=true"), "\(fake.requests)")

        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "attestation data has already been used to attest an agent", "the same principal again")
        try serve(try Self.azureResponse(microsoft, tenant: "99999999-2222-4333-8444-555555555555"))
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "tenant \"99999999-2222-4333-8444-555555555555\" is not authorized", "another tenant")
        try serve(try Self.azureResponse(microsoft, principal: "aaaaaaaa-0000-4000-8000-000000000002", expires: Date() - 900))
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "token is expired (exp)", "an expired token")
        #expect(fake.requests.components(separatedBy: "GET /common/discovery/keys").count - 1 == 1, "the key set is kept: \(fake.requests)")

        _ = try await server.stop()
    }

    @Test("azure_msi with an app registration: the server takes a client-credentials token and reads the principal's virtual machine and network interface from the Resource Manager: SPIRE's subscription, VM, network security group and virtual network selectors; a principal with no VM is refused")
    func azureResourceManager() async throws {
        let fake = try FakeCloudMetadata()
        defer { fake.stop() }
        let microsoft = try TestCloudIssuer(keyID: "ms-1")
        let keys = fake.directory + "/microsoft-keys.json"
        try microsoft.jwksJSON.write(toFile: keys, atomically: true, encoding: .utf8)
        let arm = "/arm/subscriptions/sub-1"
        let bearer = ["Authorization": "Bearer arm-token"]
        func serve(principal: String, machines: String) throws {
            try fake.write([
                "GET /metadata/identity/oauth2/token?*": .init(body: try Self.azureResponse(microsoft, principal: principal), requiredHeaders: ["Metadata": "true"]),
                "POST /\(Self.tenant)/oauth2/v2.0/token": .init(body: #"{"token_type":"Bearer","expires_in":3599,"access_token":"arm-token"}"#, requiredHeaders: ["Content-Type": "application/x-www-form-urlencoded"]),
                "GET \(arm)/resources?*": .init(body: machines, requiredHeaders: bearer),
                "GET \(arm)/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm-1?*": .init(
                    body: #"{"name":"vm-1","properties":{"networkProfile":{"networkInterfaces":[{"id":"/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Network/networkInterfaces/nic-1"}]}}}"#,
                    requiredHeaders: bearer),
                "GET \(arm)/resourceGroups/rg-1/providers/Microsoft.Network/networkInterfaces/nic-1?*": .init(
                    body: #"{"name":"nic-1","properties":{"networkSecurityGroup":{"id":"/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Network/networkSecurityGroups/nsg-1"},"ipConfigurations":[{"name":"ipconfig1","properties":{"subnet":{"id":"/subscriptions/sub-1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/default"}}}]}}"#,
                    requiredHeaders: bearer),
            ])
        }
        try serve(principal: "aaaaaaaa-0000-4000-8000-00000000000a", machines: #"{"value":[{"id":"/subscriptions/sub-1/resourceGroups/rg-1/providers/Microsoft.Compute/virtualMachines/vm-1","type":"Microsoft.Compute/virtualMachines"}]}"#)
        try await fake.start()

        let serverPort = try freeTCPPort()
        let server = try ServerProcess(bindPort: serverPort, plugins: #"""
            NodeAttestor "azure_msi" {
                plugin_data {
                    tenants = { "\#(Self.tenant)" = { subscription_id = "sub-1" app_id = "app-1" app_secret = "app-secret/1" } }
                    key_set_url = "\#(keys)"
                    resource_manager_endpoint = "\#(fake.endpoint)/arm/"
                }
            }
            """#)
        server.environment = ["AZURE_AUTHORITY_HOST": fake.endpoint + "/"]
        try await server.start()
        let nodeAttestor = #"NodeAttestor "azure_msi" { plugin_data { metadata_endpoint = "\#(fake.endpoint)" } }"#
        try await attestOnce(
            server: server, serverPort: serverPort, nodeAttestor: nodeAttestor,
            agentID: "spiffe://example.org/spire/agent/azure_msi/\(Self.tenant)/aaaaaaaa-0000-4000-8000-00000000000a",
            selectors: [
                "azure_msi:network-security-group:rg-1:nsg-1", "azure_msi:subscription-id:sub-1", "azure_msi:virtual-network-subnet:rg-net:vnet-1:default",
                "azure_msi:virtual-network:rg-net:vnet-1", "azure_msi:vm-name:rg-1:vm-1",
            ],
            type: "azure_msi")
        let exchange = fake.bodies
        #expect(exchange.contains("grant_type=client_credentials&client_id=app-1&client_secret=app-secret%2F1&scope=https%3A%2F%2Fmanagement.azure.com%2F.default"), "\(exchange)")
        #expect(fake.requests.contains("resources?%24filter=resourceType%20eq%20%27Microsoft.Compute%2FvirtualMachines%27%20and%20identity%2FprincipalId%20eq%20%27aaaaaaaa-0000-4000-8000-00000000000a%27&api-version=2021-04-01"), "\(fake.requests)")

        try serve(principal: "aaaaaaaa-0000-4000-8000-00000000000b", machines: #"{"value":[]}"#)
        try await refused(serverPort: serverPort, nodeAttestor: nodeAttestor, message: "principal \"aaaaaaaa-0000-4000-8000-00000000000b\" not found", "a principal with no virtual machine")
        _ = try await server.stop()
    }
}
