import SPIFFE
import SPIFFETestSupport
import SteepleDatastore
@testable import SteepleServer
import Synchronization
import Testing
import X509

import Foundation

/// The cloud node attestors' verification, with keys made in-test: what each accepts (SPIRE's agent IDs and
/// selectors) and what it refuses (a token or document signed by another key, a project, account or tenant not
/// allowed, an expired token, a wrong audience, evidence that already attested an agent).
@Suite("cloud node attestors")
struct CloudNodeAttestorTests {
    static let trustDomain = try! TrustDomain("example.org")

    /// A file holding `text`, removed by the caller.
    static func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "steeple-cloud-keys-\(UUID().uuidString.prefix(8)).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func refusal(_ attest: () async throws -> NodeAttestationResult) async -> String {
        do {
            let result = try await attest()
            return "attested \(result.agentID)"
        } catch {
            return "\(error)"
        }
    }

    /// A node already attested with `id`.
    static func store(attested id: String? = nil) async throws -> InMemoryDatastore {
        let store = InMemoryDatastore()
        if let id {
            _ = try await store.createNode(AttestedNode(spiffeID: try SPIFFEID(id), attestationType: "test", certSerialNumber: "1", certNotAfter: Date() + 3600))
        }
        return store
    }

    // MARK: gcp_iit

    static func gcpClaims(project: String = "project-1", audience: String = "spire-gcp-node-attestor", expires: Date = Date() + 600) -> [String: Any] {
        [
            "iss": "https://accounts.google.com", "aud": audience, "azp": "1234", "sub": "1234",
            "email": "agent@project-1.iam.gserviceaccount.com",
            "iat": Int(Date().timeIntervalSince1970) - 10, "exp": Int(expires.timeIntervalSince1970),
            "google": ["compute_engine": [
                "project_id": project, "project_number": 42, "zone": "us-west1-b", "instance_id": "5555", "instance_name": "node-a",
                "instance_creation_timestamp": 1_700_000_000,
            ] as [String: Any]],
        ]
    }

    static func gcp(_ keysPath: String, store: InMemoryDatastore, template: String = "/{{ .PluginName }}/{{ .ProjectID }}/{{ .InstanceID }}") throws -> GCPIITAttestor {
        GCPIITAttestor(
            trustDomain: trustDomain, projectIDAllowList: ["project-1"],
            pathTemplate: try AgentPathTemplate(template, fields: GCPIITAttestor.templateFields),
            keys: CloudKeySetSource(location: keysPath), nodes: store, now: { Date() })
    }

    @Test("gcp_iit: a token Google's key signed gives SPIRE's agent ID and selectors, once (trust on first use), with keys as Google's PEM certificates or as a JWK Set")
    func gcpAccepts() async throws {
        let google = try TestCloudIssuer()
        for keys in [google.pemByKeyIDJSON, google.jwksJSON] {
            let path = try Self.file(keys)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let store = try await Self.store()
            let attestor = try Self.gcp(path, store: store)
            let token = Array(try google.jwt(claims: Self.gcpClaims()).utf8)
            let result = try await attestor.attest(payload: token) { _ in [] }
            #expect(result.agentID.description == "spiffe://example.org/spire/agent/gcp_iit/project-1/5555")
            #expect(result.selectors.map(\.description).sorted() == [
                "gcp_iit:instance-name:node-a", "gcp_iit:project-id:project-1", "gcp_iit:sa:agent@project-1.iam.gserviceaccount.com", "gcp_iit:zone:us-west1-b",
            ])
            #expect(!result.canReattest)
        }
        let path = try Self.file(google.jwksJSON)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let templated = try Self.gcp(path, store: try await Self.store(), template: "/gcp/{{ .Zone }}/{{ .InstanceName }}/{{ .ServiceAccount }}")
        let result = try await templated.attest(payload: Array(try google.jwt(claims: Self.gcpClaims()).utf8)) { _ in [] }
        #expect(result.agentID.description == "spiffe://example.org/spire/agent/gcp/us-west1-b/node-a/agent_project-1.iam.gserviceaccount.com")
    }

    @Test("gcp_iit refusals: another key with the same kid, a project not allowed, an expired token, another audience, an instance that already attested")
    func gcpRefuses() async throws {
        let google = try TestCloudIssuer(keyID: "google-1")
        let forger = try TestCloudIssuer(keyID: "google-1")
        let path = try Self.file(google.jwksJSON)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let attestor = try Self.gcp(path, store: try await Self.store())
        let cases: [(String, String)] = [
            (try forger.jwt(claims: Self.gcpClaims()), "failed to validate the identity token signature"),
            (try google.jwt(claims: Self.gcpClaims(project: "project-2")), "identity token project ID \"project-2\" is not in the allow list"),
            (try google.jwt(claims: Self.gcpClaims(expires: Date() - 120)), "failed to validate the identity token claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)"),
            (try google.jwt(claims: Self.gcpClaims(audience: "vault")), "failed to validate the identity token claims: go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)"),
            ("not.a-token", "unable to parse the identity token"),
        ]
        for (token, message) in cases {
            let refused = await Self.refusal { try await attestor.attest(payload: Array(token.utf8)) { _ in [] } }
            #expect(refused.contains(message), "expected \(message) in \(refused)")
        }
        let used = try Self.gcp(path, store: try await Self.store(attested: "spiffe://example.org/spire/agent/gcp_iit/project-1/5555"))
        let replayed = await Self.refusal { try await used.attest(payload: Array(try google.jwt(claims: Self.gcpClaims()).utf8)) { _ in [] } }
        #expect(replayed.contains("attestation data has already been used to attest an agent"), "\(replayed)")
    }

    // MARK: aws_iid

    static func awsDocument(account: String = "123456789012") -> String {
        #"{"accountId":"\#(account)","architecture":"x86_64","availabilityZone":"us-east-1a","imageId":"ami-0abc","instanceId":"i-0123456789abcdef0","instanceType":"t3.micro","pendingTime":"2026-12-06T10:00:00Z","privateIp":"10.0.0.9","region":"us-east-1","version":"2017-09-30"}"#
    }

    static func awsPayload(document: String, signature: String, rsa2048: String = "") throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: ["document": document, "signature": signature, "rsa2048": rsa2048]))
    }

    static func aws(_ issuer: TestCloudIssuer, store: InMemoryDatastore, accounts: [String] = ["123456789012"], skipBlockDevice: Bool = false) throws -> AWSIIDAttestor {
        AWSIIDAttestor(
            trustDomain: trustDomain, certificates: .configured(try AWSIIDCertificates.keys(pem: issuer.certificatePEM)), accountIDsForLocalValidation: accounts, skipBlockDevice: skipBlockDevice,
            pathTemplate: try AgentPathTemplate("/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}", fields: AWSIIDAttestor.templateFields),
            nodes: store)
    }

    @Test("aws_iid: a document AWS's key signed gives SPIRE's agent ID and the document's selectors; skip_block_device admits any account")
    func awsAccepts() async throws {
        let aws = try TestCloudIssuer()
        let document = Self.awsDocument()
        let result = try await Self.aws(aws, store: try await Self.store()).attest(payload: try Self.awsPayload(document: document, signature: try aws.awsSignature(document: document))) { _ in [] }
        #expect(result.agentID.description == "spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0123456789abcdef0")
        #expect(result.selectors.map(\.description) == [
            "aws_iid:account_id:123456789012", "aws_iid:az:us-east-1a", "aws_iid:image:id:ami-0abc", "aws_iid:instance:id:i-0123456789abcdef0", "aws_iid:region:us-east-1",
        ])
        #expect(!result.canReattest)
        let other = Self.awsDocument(account: "999999999999")
        let skipped = try await Self.aws(aws, store: try await Self.store(), accounts: [], skipBlockDevice: true)
            .attest(payload: try Self.awsPayload(document: other, signature: try aws.awsSignature(document: other))) { _ in [] }
        #expect(skipped.agentID.description == "spiffe://example.org/spire/agent/aws_iid/999999999999/us-east-1/i-0123456789abcdef0")
    }

    @Test("aws_iid refusals: a signature of another key, a document changed after signing, an account not validated locally, no signature, an instance that already attested")
    func awsRefuses() async throws {
        let aws = try TestCloudIssuer()
        let forger = try TestCloudIssuer()
        let document = Self.awsDocument()
        let other = Self.awsDocument(account: "999999999999")
        let attestor = try Self.aws(aws, store: try await Self.store())
        let cases: [([UInt8], String)] = [
            (try Self.awsPayload(document: document, signature: try forger.awsSignature(document: document)), "failed to verify the cryptographic signature: crypto/rsa: verification error"),
            (try Self.awsPayload(document: other, signature: try aws.awsSignature(document: document)), "failed to verify the cryptographic signature"),
            (try Self.awsPayload(document: other, signature: try aws.awsSignature(document: other)), "account \"999999999999\" is not in account_ids_for_local_validation"),
            (try Self.awsPayload(document: document, signature: ""), "instance identity cryptographic signature is required"),
            (Array("{".utf8), "failed to unmarshal the attestation data"),
        ]
        for (payload, message) in cases {
            let refused = await Self.refusal { try await attestor.attest(payload: payload) { _ in [] } }
            #expect(refused.contains(message), "expected \(message) in \(refused)")
        }
        let used = try Self.aws(aws, store: try await Self.store(attested: "spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0123456789abcdef0"))
        let replayed = await Self.refusal { try await used.attest(payload: try Self.awsPayload(document: document, signature: try aws.awsSignature(document: document))) { _ in [] } }
        #expect(replayed.contains("attestation data has already been used to attest an agent"), "\(replayed)")
    }

    @Test("aws_iid: a template that reads .Tags without AWS credentials is refused, naming why")
    func awsTagsNeedCredentials() async throws {
        let aws = try TestCloudIssuer()
        var attestor = try Self.aws(aws, store: try await Self.store(), skipBlockDevice: true)
        attestor = AWSIIDAttestor(
            trustDomain: Self.trustDomain, certificates: attestor.certificates, accountIDsForLocalValidation: [], skipBlockDevice: true,
            pathTemplate: try AgentPathTemplate("/{{ .PluginName }}/{{ .Tags.Name }}", fields: AWSIIDAttestor.templateFields, maps: AWSIIDAttestor.templateMaps),
            nodes: try await Self.store())
        let document = Self.awsDocument()
        let refused = await Self.refusal { try await attestor.attest(payload: try Self.awsPayload(document: document, signature: try aws.awsSignature(document: document))) { _ in [] } }
        #expect(refused.contains("agent_path_template reads .Tags, the instance's tags from EC2's DescribeInstances, for which the server found no AWS credentials"), "\(refused)")
    }

    @Test("aws_iid rsa2048: a PKCS #7 signature (openssl cms, with and without signed attributes) is verified instead of the plain one, as SPIRE; one of another key, or of another document, is refused")
    func awsPKCS7() async throws {
        let aws = try TestCloudIssuer()
        let forger = try TestCloudIssuer()
        let document = Self.awsDocument()
        for attributes in [true, false] {
            let pkcs7 = try aws.awsRSA2048Signature(document: document, signedAttributes: attributes)
            // The plain signature is garbage: SPIRE ignores it when rsa2048 is present.
            let result = try await Self.aws(aws, store: try await Self.store()).attest(payload: try Self.awsPayload(document: document, signature: "AAAA", rsa2048: pkcs7)) { _ in [] }
            #expect(result.agentID.description == "spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0123456789abcdef0")
        }
        let attestor = try Self.aws(aws, store: try await Self.store())
        let cases: [([UInt8], String)] = [
            (try Self.awsPayload(document: document, signature: try aws.awsSignature(document: document), rsa2048: try forger.awsRSA2048Signature(document: document)),
             "failed verification of instance identity cryptographic signature: crypto/rsa: verification error"),
            (try Self.awsPayload(document: Self.awsDocument(account: "123456789012").replacing("ami-0abc", with: "ami-0evil"), signature: "", rsa2048: try aws.awsRSA2048Signature(document: document)),
             "instance identity document does not match the verified PKCS7 content"),
            (try Self.awsPayload(document: document, signature: "", rsa2048: "AAAA"), "failed to parse the instance identity cryptographic signature"),
            // A SignerInfo whose digestAlgorithm is an empty SEQUENCE (hand-made DER): refused, not a crash of the server.
            (try Self.awsPayload(document: document, signature: "", rsa2048: "MDUGCSqGSIb3DQEHAqAoMCYCAQExADAQBgkqhkiG9w0BBwGgAwQBeDENMAsCAQEwADAAMAAEAA=="),
             "digestAlgorithm is empty"),
        ]
        for (payload, message) in cases {
            let refused = await Self.refusal { try await attestor.attest(payload: payload) { _ in [] } }
            #expect(refused.contains(message), "expected \(message) in \(refused)")
        }
    }

    @Test("AWS SigV4: AWS's get-vanilla and get-vanilla-query-order-key-case vectors")
    func sigV4Vectors() throws {
        let signer = AWSSigV4(credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"), region: "us-east-1", service: "service")
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
        #expect(AWSSigV4.timestamp(date) == "20150830T123600Z")
        let vanilla = signer.headers(for: try #require(URL(string: "https://example.amazonaws.com/")), date: date)
        #expect(vanilla.first?.1 == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        let query = AWSSigV4.canonicalQuery([("Param2", "value2"), ("Param1", "value1")])
        #expect(query == "Param1=value1&Param2=value2")
        let ordered = signer.headers(for: try #require(URL(string: "https://example.amazonaws.com/?" + query)), date: date)
        #expect(ordered.first?.1.hasSuffix("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true, "\(ordered)")
        #expect(AWSSigV4.encode("a b/c~") == "a%20b%2Fc~")
    }

    @Test("aws_iid with the EC2 API: SPIRE's block device check, on DescribeInstances' XML")
    func blockDeviceCheck() throws {
        func instance(rootAttached: String, rootType: String = "ebs", interfaceIndex: String = "0") throws -> SimpleXML {
            let xml = #"""
                <?xml version="1.0" encoding="UTF-8"?>
                <item><instanceId>i-1</instanceId><rootDeviceType>\#(rootType)</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>
                <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-1</volumeId><attachTime>\#(rootAttached)</attachTime></ebs></item></blockDeviceMapping>
                <networkInterfaceSet><item><attachment><deviceIndex>\#(interfaceIndex)</deviceIndex><attachTime>2026-12-06T10:00:00.000Z</attachTime></attachment></item></networkInterfaceSet>
                <tagSet><item><key>Name</key><value>a &amp; b</value></item></tagSet></item>
                """#
            return try SimpleXML.parse(Array(xml.utf8))
        }
        #expect(try instance(rootAttached: "2026-12-06T10:00:30.000Z").items("tagSet").first?.value("value") == "a & b")
        try AWSIIDAttestor.checkBlockDevice(try instance(rootAttached: "2026-12-06T10:00:30.000Z"))
        try AWSIIDAttestor.checkBlockDevice(try instance(rootAttached: "2020-01-01T00:00:00Z", rootType: "instance-store"))
        #expect { try AWSIIDAttestor.checkBlockDevice(try instance(rootAttached: "2026-12-06T11:00:00.000Z")) } throws: {
            "\($0)".contains("root BlockDeviceMapping and NetworkInterface[0] attach times differ by 3600 seconds")
        }
        #expect { try AWSIIDAttestor.checkBlockDevice(try instance(rootAttached: "2026-12-06T10:00:00.000Z", interfaceIndex: "1")) } throws: {
            "\($0)".contains("the EC2 instance network interface with device index 0 is inaccessible")
        }
        #expect(try AWSIIDAttestor.instanceProfileName("arn:aws:iam::123456789012:instance-profile/path/steeple-node") == "steeple-node")
        #expect(throws: APIRefusal.self) { try AWSIIDAttestor.instanceProfileName("arn:aws:iam::123456789012:role/x") }
    }

    // MARK: azure_msi

    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

    static func azureToken(_ issuer: TestCloudIssuer, tenant: String = tenant, audience: String = "https://management.azure.com/", expires: Date = Date() + 3600) throws -> [UInt8] {
        let token = try issuer.jwt(claims: [
            "aud": audience, "iss": "https://sts.windows.net/\(tenant)/", "tid": tenant, "sub": "9f2d5c3a-0000-4000-8000-00000000beef",
            "oid": "9f2d5c3a-0000-4000-8000-00000000beef", "iat": Int(Date().timeIntervalSince1970) - 10, "nbf": Int(Date().timeIntervalSince1970) - 10,
            "exp": Int(expires.timeIntervalSince1970),
        ], extraHeader: ["x5t": "abc"])
        return Array(try JSONSerialization.data(withJSONObject: ["token": token]))
    }

    static func azure(_ keysPath: String, store: InMemoryDatastore) throws -> AzureMSIAttestor {
        AzureMSIAttestor(
            trustDomain: trustDomain, tenants: [tenant: AzureMSIAttestor.Tenant(resourceID: "https://management.azure.com/")],
            pathTemplate: try AgentPathTemplate("/{{ .PluginName }}/{{ .TenantID }}/{{ .PrincipalID }}", fields: AzureMSIAttestor.templateFields),
            keys: CloudKeySetSource(location: keysPath), nodes: store, now: { Date() })
    }

    @Test("azure_msi: a token Microsoft's key signed gives SPIRE's agent ID, with no selectors (they need the Azure API)")
    func azureAccepts() async throws {
        let microsoft = try TestCloudIssuer()
        let path = try Self.file(microsoft.jwksJSON)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try await Self.azure(path, store: try await Self.store()).attest(payload: try Self.azureToken(microsoft)) { _ in [] }
        #expect(result.agentID.description == "spiffe://example.org/spire/agent/azure_msi/\(Self.tenant)/9f2d5c3a-0000-4000-8000-00000000beef")
        #expect(result.selectors.isEmpty && !result.canReattest)
    }

    @Test("azure_msi refusals: another key with the same kid, an unknown kid, a tenant not allowed, an expired token, another resource, a principal that already attested")
    func azureRefuses() async throws {
        let microsoft = try TestCloudIssuer(keyID: "ms-1")
        let forger = try TestCloudIssuer(keyID: "ms-1")
        let stranger = try TestCloudIssuer(keyID: "ms-2")
        let path = try Self.file(microsoft.jwksJSON)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let attestor = try Self.azure(path, store: try await Self.store())
        let cases: [([UInt8], String)] = [
            (try Self.azureToken(forger), "unable to verify token"),
            (try Self.azureToken(stranger), "key id \"ms-2\" not found"),
            (try Self.azureToken(microsoft, tenant: "00000000-0000-4000-8000-000000000000"), "tenant \"00000000-0000-4000-8000-000000000000\" is not authorized"),
            (try Self.azureToken(microsoft, expires: Date() - 600), "unable to validate token claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)"),
            (try Self.azureToken(microsoft, audience: "https://vault.azure.net"), "unable to validate token claims: go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)"),
            (Array(#"{"token":""}"#.utf8), "missing token from attestation data"),
        ]
        for (payload, message) in cases {
            let refused = await Self.refusal { try await attestor.attest(payload: payload) { _ in [] } }
            #expect(refused.contains(message), "expected \(message) in \(refused)")
        }
        let used = try Self.azure(path, store: try await Self.store(attested: "spiffe://example.org/spire/agent/azure_msi/\(Self.tenant)/9f2d5c3a-0000-4000-8000-00000000beef"))
        let replayed = await Self.refusal { try await used.attest(payload: try Self.azureToken(microsoft)) { _ in [] } }
        #expect(replayed.contains("attestation data has already been used to attest an agent"), "\(replayed)")
    }

    // MARK: Key sets

    @Test("a key set URL is fetched once and kept for an hour; a kid it lacks fetches it again, at most once a minute")
    func keySetCaching() async throws {
        let first = try TestCloudIssuer(keyID: "k1")
        let second = try TestCloudIssuer(keyID: "k2")
        let start = ContinuousClock.now
        let elapsed = Mutex<Duration>(.zero)
        let fetches = Mutex(0)
        let published = Mutex(first.jwksJSON)
        let source = CloudKeySetSource(location: "https://keys.example/jwks", now: { start + elapsed.withLock { $0 } }) { () throws(APIRefusal) -> [UInt8] in
            fetches.withLock { $0 += 1 }
            return Array(published.withLock { $0 }.utf8)
        }
        #expect(try await source.load(keyID: "k1").keys["k1"] != nil && fetches.withLock { $0 } == 1)
        #expect(try await source.load(keyID: "k1").keys["k1"] != nil && fetches.withLock { $0 } == 1, "kept")
        published.withLock { $0 = second.jwksJSON }
        elapsed.withLock { $0 = .seconds(30) }
        #expect(try await source.load(keyID: "k2").keys["k2"] == nil && fetches.withLock { $0 } == 1, "an unknown kid within a minute: not fetched again")
        elapsed.withLock { $0 = .seconds(61) }
        #expect(try await source.load(keyID: "k2").keys["k2"] != nil && fetches.withLock { $0 } == 2, "an unknown kid after a minute: fetched again")
        published.withLock { $0 = first.jwksJSON }
        elapsed.withLock { $0 = .seconds(3700) }
        #expect(try await source.load(keyID: nil).keys["k1"] != nil && fetches.withLock { $0 } == 3, "after an hour: fetched again")
    }

    @Test("JWSKeySet: a JWK Set's keys whose use is absent or sig, and Google's PEM certificates by kid")
    func keySets() throws {
        let issuer = try TestCloudIssuer(keyID: "a")
        #expect(try JWSKeySet(json: Array(issuer.jwksJSON.utf8)).keys.keys.sorted() == ["a"])
        #expect(try JWSKeySet(json: Array(issuer.pemByKeyIDJSON.utf8)).keys["a"] == issuer.certificate.publicKey)
        let encryption = issuer.jwksJSON.replacing(#""use":"sig""#, with: #""use":"enc""#)
        #expect(try JWSKeySet(json: Array(encryption.utf8)).keys.isEmpty, "an encryption key is not a signing key")
        #expect(throws: SPIFFEError.self) { try JWSKeySet(json: Array(#"{"a":"not a certificate"}"#.utf8)) }
    }

    @Test("gcp_iit's Compute API credentials: a service account key file parses, and its assertion verifies with the account's key")
    func serviceAccountAssertion() throws {
        let account = try TestCloudIssuer(keyID: "sa")
        let file = #"{"type":"service_account","private_key_id":"sa","private_key":"\#(account.privateKeyPKCS8PEM.replacing("\n", with: "\\n"))","client_email":"x@p.iam.gserviceaccount.com","token_uri":"https://oauth2.example/token"}"#
        let key = try GCPComputeClient.ServiceAccountKey(json: Array(file.utf8), path: "sa.json")
        #expect(key.clientEmail == "x@p.iam.gserviceaccount.com" && key.tokenURI == "https://oauth2.example/token" && key.privateKeyID == "sa")
        let assertion = try GCPComputeClient.assertion(key: key, now: Date(timeIntervalSince1970: 1_800_000_000))
        let verified = try VerifiedJWS(token: assertion, keySet: account.keySet, algorithms: [.rs256])
        #expect(String(decoding: verified.payload, as: UTF8.self)
            == #"{"aud":"https://oauth2.example/token","exp":1800003600,"iat":1800000000,"iss":"x@p.iam.gserviceaccount.com","scope":"https://www.googleapis.com/auth/compute.readonly"}"#)
        #expect(throws: GCPComputeError.self) { try GCPComputeClient.ServiceAccountKey(json: Array(#"{"type":"authorized_user"}"#.utf8), path: "u.json") }
    }

    // MARK: Templates

    @Test("agent_path_template: {{ .Field }} actions, and {{ .Tags.Key }} (a missing key an error, as SPIRE) or {{ index .Tags \"key\" }} (a missing key empty) of a map; unknown names and other actions refused")
    func templates() throws {
        let template = try AgentPathTemplate("/x/{{.ProjectID}}/{{ .InstanceID }}", fields: ["ProjectID", "InstanceID"])
        #expect(try template.execute(["ProjectID": "p", "InstanceID": "i"]) == "/x/p/i")
        #expect(!template.uses(map: "Tags"))
        let tags = try AgentPathTemplate(#"/{{ .PluginName }}/{{ .Tags.Name }}/{{ index .Tags "kubernetes.io/cluster" }}/{{- index .Tags `team` -}}/{{ index .Tags "missing" }}"#, fields: ["PluginName"], maps: ["Tags"])
        #expect(tags.uses(map: "Tags"))
        #expect(try tags.execute(["PluginName": "aws_iid"], maps: ["Tags": ["Name": "web-1", "kubernetes.io/cluster": "prod", "team": "blue"]]) == "/aws_iid/web-1/prod/blue/")
        // As SPIRE's template (missingkey=error): .Tags.Key of a missing tag is an error; index gives "".
        #expect { try tags.execute(["PluginName": "aws_iid"], maps: ["Tags": ["kubernetes.io/cluster": "prod"]]) } throws: {
            "\($0)".contains("map has no entry for key \"Name\"")
        }
        #expect(throws: AgentPathTemplateError.self) { try AgentPathTemplate("/{{ index .Tags \"a\" }}", fields: ["Tags"]) }
        #expect(throws: AgentPathTemplateError.self) { try AgentPathTemplate("/{{ .Tags.a.b }}", fields: [], maps: ["Tags"]) }
        #expect(throws: AgentPathTemplateError.self) { try AgentPathTemplate("/{{ .Tags.Name | lower }}", fields: [], maps: ["Tags"]) }
        #expect(throws: AgentPathTemplateError.self) { try AgentPathTemplate("/{{ index .Tags \"a\\\"b\" }}", fields: [], maps: ["Tags"]) }
        #expect(throws: AgentPathTemplateError.self) { try AgentPathTemplate("/{{ .Nope }}", fields: ["ProjectID"]) }
        #expect(throws: AgentPathTemplateError.self) { try AgentPathTemplate("/{{ .ProjectID", fields: ["ProjectID"]) }
    }
}

/// The cloud node attestors in server.conf: SPIRE's keys, and the ones that need a cloud API refused.
@Suite("server.conf: cloud node attestors")
struct CloudNodeAttestorConfigurationTests {
    @Test("SPIRE's keys and defaults")
    func keys() throws {
        let gcp = try #require(try parse(plugins: #"NodeAttestor "gcp_iit" { plugin_data { projectid_allow_list = ["p1", "p2"] key_set_url = "/etc/google.json" } }"#).nodeAttestors.gcpIIT)
        #expect(gcp.projectIDAllowList == ["p1", "p2"] && gcp.keySetURL == "/etc/google.json" && gcp.agentPathTemplate == "/{{ .PluginName }}/{{ .ProjectID }}/{{ .InstanceID }}")
        let defaults = try #require(try parse(plugins: #"NodeAttestor "gcp_iit" { plugin_data { projectid_allow_list = ["p1"] } }"#).nodeAttestors.gcpIIT)
        #expect(defaults.keySetURL == "https://www.googleapis.com/oauth2/v1/certs" && !defaults.useInstanceMetadata && defaults.maxMetadataValueSize == 128)
        #expect(defaults.computeEndpoint == "https://compute.googleapis.com/compute/v1/" && defaults.serviceAccountFile == nil)
        let metadata = try #require(try parse(plugins: #"NodeAttestor "gcp_iit" { plugin_data { projectid_allow_list = ["p1"] use_instance_metadata = true allowed_label_keys = ["a"] allowed_metadata_keys = ["b"] max_metadata_value_size = 64 service_account_file = "/sa.json" } }"#).nodeAttestors.gcpIIT)
        #expect(metadata.useInstanceMetadata && metadata.allowedLabelKeys == ["a"] && metadata.allowedMetadataKeys == ["b"] && metadata.maxMetadataValueSize == 64 && metadata.serviceAccountFile == "/sa.json")
        let aws = try #require(try parse(plugins: #"NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "/etc/aws.pem" account_ids_for_local_validation = ["1"] partition = "aws-cn" } }"#).nodeAttestors.awsIID)
        #expect(aws.caCertificatePath == "/etc/aws.pem" && aws.accountIDsForLocalValidation == ["1"] && aws.partition == "aws-cn" && !aws.skipBlockDevice)
        // SPIRE's own config: AWS's certificates built in, credentials from the default chain, a role to assume.
        let spire = try #require(try parse(plugins: #"NodeAttestor "aws_iid" { plugin_data { assume_role = "spire-attestor" } }"#).nodeAttestors.awsIID)
        #expect(spire.caCertificatePath == nil && spire.assumeRole == "spire-attestor" && spire.accessKeyID == nil && spire.partition == "aws")
        #expect(spire.verifyOrganization == nil && spire.eksClusterNames == nil)
        let organization = try #require(try parse(plugins: #"NodeAttestor "aws_iid" { plugin_data { verify_organization = { management_account_id = "111111111111" assume_org_role = "spire-org" org_account_map_ttl = "5m" } validate_eks_cluster_membership = { eks_cluster_names = ["prod", "staging"] } } }"#).nodeAttestors.awsIID)
        #expect(organization.verifyOrganization == AWSIIDConfiguration.Organization(managementAccountID: "111111111111", assumeOrgRole: "spire-org", managementAccountRegion: "us-west-2", accountListTTL: .seconds(300)))
        #expect(organization.eksClusterNames == ["prod", "staging"])
        let accounts = try CloudNodeAttestorTests.file(#"["111111111111", "222222222222"]"#)
        defer { try? FileManager.default.removeItem(atPath: accounts) }
        let fromFile = try #require(try parse(plugins: #"NodeAttestor "aws_iid" { plugin_data { verify_organization = { account_list_file = "\#(accounts)" } } }"#).nodeAttestors.awsIID)
        #expect(fromFile.verifyOrganization?.accountListFile == accounts && fromFile.verifyOrganization?.accountListTTL == .seconds(180))
        let azure = try #require(try parse(plugins: #"NodeAttestor "azure_msi" { plugin_data { tenants = { "t1" = {} "t2" = { resource_id = "api://steeple" subscription_id = "s" app_id = "a" app_secret = "x" } } } }"#).nodeAttestors.azureMSI)
        #expect(azure.tenants["t1"]?.resourceID == "https://management.azure.com/" && azure.tenants["t1"]?.appID == nil)
        #expect(azure.tenants["t2"]?.resourceID == "api://steeple" && azure.tenants["t2"]?.subscriptionID == "s" && azure.tenants["t2"]?.appID == "a" && azure.tenants["t2"]?.appSecret == "x")
        #expect(azure.resourceManagerEndpoint == "https://management.azure.com/")
        #expect(azure.keySetURL == "https://login.microsoftonline.com/common/discovery/keys")
    }

    @Test("refusals: settings that need a cloud API, a missing allow list, certificates or tenant, a template SPIRE would read differently", arguments: [
        (#"NodeAttestor "gcp_iit" { plugin_data { projectid_allow_list = ["p"] max_metadata_value_size = -1 } }"#, "max_metadata_value_size must be positive"),
        (#"NodeAttestor "gcp_iit" { plugin_data { } }"#, "projectid_allow_list is required"),
        (#"NodeAttestor "gcp_iit" { plugin_data { projectid_allow_list = ["p"] key_set_url = "http://x" } }"#, "must be an https:// URL or a file path"),
        (#"NodeAttestor "aws_iid" { plugin_data { verify_organization = { management_account_id = "1" } } }"#, "please ensure that \"management_account_id\" & \"assume_org_role\" are present inside block"),
        (#"NodeAttestor "aws_iid" { plugin_data { verify_organization = { account_list_file = "/a" assume_org_role = "r" } } }"#, "\"account_list_file\" is mutually exclusive with \"management_account_id\" and \"assume_org_role\""),
        (#"NodeAttestor "aws_iid" { plugin_data { verify_organization = { account_list_file = "/nonexistent/accounts.json" } } }"#, "invalid \"account_list_file\" in the block: \"verify_organization\": unable to read account list file"),
        (#"NodeAttestor "aws_iid" { plugin_data { verify_organization = { management_account_id = "1" assume_org_role = "r" org_account_map_ttl = "30s" } } }"#, "it should be greater than or equal to \"1m\""),
        (#"NodeAttestor "aws_iid" { plugin_data { verify_organization = { management_account_id = "1" assume_org_role = "r" org_account_map_ttl = "soon" } } }"#, "it should be in duration"),
        (#"NodeAttestor "aws_iid" { plugin_data { validate_eks_cluster_membership = {} } }"#, "please ensure that \"eks_cluster_names\" is present inside block"),
        (#"NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "/a" access_key_id = "AKIA" } }"#, "configuration missing secret access key, but has access key id"),
        (#"NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "/a" secret_access_key = "s" } }"#, "configuration missing access key id, but has secret access key"),
        (#"NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "/a" partition = "mars" } }"#, "invalid partition \"mars\""),
        (#"NodeAttestor "aws_iid" { plugin_data { aws_ca_certificate_path = "/a" agent_path_template = "/{{ .Tags.x | upper }}" } }"#, "failed to parse agent path template"),
        (#"NodeAttestor "azure_msi" { plugin_data { } }"#, "configuration must have at least one tenant"),
        (#"NodeAttestor "azure_msi" { plugin_data { tenants = { "t" = { app_id = "x" } } } }"#, "misconfigured tenant \"t\": missing subscription id"),
        (#"NodeAttestor "azure_msi" { plugin_data { tenants = { "t" = { subscription_id = "s" app_id = "x" } } } }"#, "misconfigured tenant \"t\": missing app secret"),
    ])
    func refused(plugins: String, mentions: String) {
        #expect {
            _ = try parse(plugins: plugins)
        } throws: { error in
            "\(error)".contains(mentions)
        }
    }
}
