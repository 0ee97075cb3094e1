import Crypto
import _CryptoExtras
import NIOCore
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPIProto
import SteepleAgent
import SPIREAPIProto
import SteepleServerAPIProto
import SteepleX509PoP
import SwiftASN1
import SwiftProtobuf
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes the generated seeds (`gen-*` files) of every target: real SVIDs, CSRs, JWT-SVIDs, bundles and protobuf
/// messages, made here with the fixed keys of ``FuzzKeys`` where a seed must verify in later runs. Hand-written
/// seeds (configuration files, regression inputs) sit beside them and are never overwritten.
enum Seeds {
    static func write(to corpus: String) {
        let ca = TestCA(
            trustDomain: FuzzKeys.trustDomain,
            notBefore: Date(timeIntervalSince1970: 1_790_000_000),
            notAfter: Date(timeIntervalSince1970: 1_900_000_000)
        )
        let workload = try! SPIFFEID("spiffe://example.org/workload")
        let svid = ca.makeSVID(workload, notAfter: Date(timeIntervalSince1970: 1_850_000_000))
        let intermediate = ca.intermediate(notBefore: Date(timeIntervalSince1970: 1_790_000_000), notAfter: Date(timeIntervalSince1970: 1_900_000_000))
        let deepSVID = intermediate.makeSVID(try! SPIFFEID("spiffe://example.org/deep/workload"), notAfter: Date(timeIntervalSince1970: 1_850_000_000))
        let bundle = X509Bundle(trustDomain: FuzzKeys.trustDomain, x509Authorities: [ca.certificate])
        let spiffeBundle = SPIFFEBundle(
            trustDomain: FuzzKeys.trustDomain,
            x509Authorities: [ca.certificate],
            jwtAuthorities: FuzzKeys.jwtBundles.jwtBundle(for: FuzzKeys.trustDomain)!.jwtAuthorities,
            sequenceNumber: 7,
            refreshHint: .seconds(300)
        )
        let tokenP256 = jwt(key: try! JWTSigningKey(FuzzKeys.p256, keyID: "fuzz-p256"))
        let tokenP384 = jwt(key: try! JWTSigningKey(FuzzKeys.p384, keyID: "fuzz-p384"))
        let csrP256 = csr(Certificate.PrivateKey(P256.Signing.PrivateKey()), .ecdsaWithSHA256)
        let csrP384 = csr(Certificate.PrivateKey(P384.Signing.PrivateKey()), .ecdsaWithSHA384)
        let csrRSA = csr(Certificate.PrivateKey(try! _RSA.Signing.PrivateKey(keySize: .bits2048)), .sha256WithRSAEncryption)

        var seeds: [String: [String: [UInt8]]] = [:]
        func add(_ target: String, _ name: String, _ bytes: [UInt8]) { seeds[target, default: [:]]["gen-" + name] = bytes }
        func add<M: SwiftProtobuf.Message>(_ target: String, _ name: String, _ selector: UInt8, _ message: M) {
            add(target, name, [selector] + (try! message.serializedBytes() as [UInt8]))
        }

        for (name, id) in [
            ("workload", "spiffe://example.org/workload"), ("agent", "spiffe://example.org/spire/agent/join_token/0c5f3b"),
            ("trust-domain-only", "spiffe://example.org"), ("long-path", "spiffe://a-b_c.d1/x/y.z/_-/" + String(repeating: "seg/", count: 20) + "end"),
            ("uppercase-td", "spiffe://Example.org/w"), ("dot-segment", "spiffe://example.org/a/../b"), ("port", "spiffe://example.org:8080/w"),
            ("userinfo", "spiffe://u@example.org/w"), ("percent", "spiffe://example.org/a%2Fb"), ("trailing-slash", "spiffe://example.org/w/"),
            ("empty-segment", "spiffe://example.org//w"), ("query", "spiffe://example.org/w?q=1"), ("scheme-case", "SPIFFE://example.org/w"),
            ("non-ascii", "spiffe://exämple.org/w"),
        ] {
            add("spiffe-id", name, Array(id.utf8))
        }
        for (name, text) in [
            ("bare", "example.org"), ("id", "spiffe://example.org"), ("id-with-path", "spiffe://example.org/path"), ("max-length", String(repeating: "a", count: 255)),
            ("too-long", String(repeating: "a", count: 256)), ("underscore-dash", "my_trust-domain.local"), ("uppercase", "EXAMPLE.org"), ("empty", ""),
        ] {
            add("trust-domain", name, Array(text.utf8))
        }
        for (name, text) in [
            ("unix-absolute", "unix:///tmp/spire-agent/public/api.sock"), ("unix-opaque", "unix:/run/steeple/agent.sock"),
            ("tcp-v4", "tcp://127.0.0.1:8081"), ("tcp-v6", "tcp://[::1]:8081"), ("unix-percent", "unix:///tmp/a%20b.sock"),
            ("unix-host", "unix://host/path"), ("tcp-hostname", "tcp://localhost:8081"), ("tcp-no-port", "tcp://127.0.0.1"),
            ("unix-query", "unix:///tmp/api.sock?x=1"), ("other-scheme", "http://127.0.0.1:80"),
        ] {
            add("workload-api-endpoint", name, Array(text.utf8))
        }

        add("jwt-svid", "es256", Array(tokenP256.utf8))
        add("jwt-svid", "es384", Array(tokenP384.utf8))
        let parts = tokenP256.split(separator: ".")
        add("jwt-svid", "alg-none", Array((base64URL(#"{"alg":"none","kid":"fuzz-p256"}"#) + "." + parts[1] + ".").utf8))
        add("jwt-svid", "unknown-kid", Array((base64URL(#"{"alg":"ES256","kid":"nope","typ":"JWT"}"#) + "." + parts[1] + "." + parts[2]).utf8))
        add("jwt-svid", "numbers", Array((parts[0] + "." + base64URL(#"{"sub":"spiffe://example.org/w","aud":"a","exp":1e308,"iat":-1,"nbf":9223372036854775807}"#) + "." + parts[2]).utf8))

        add("jwks", "fuzz-keys", FuzzKeys.jwtBundles.jwtBundle(for: FuzzKeys.trustDomain)!.jwksJSON)
        add("jwks", "spiffe-bundle", spiffeBundle.jsonRepresentation)
        add("spiffe-bundle", "x509-and-jwt", spiffeBundle.jsonRepresentation)
        add("spiffe-bundle", "keys-empty", Array(#"{"keys":[],"spiffe_sequence":1}"#.utf8))
        add("spiffe-bundle", "rsa-jwt", Array(#"{"keys":[{"kty":"RSA","use":"jwt-svid","kid":"r","n":"AQAB","e":"AQAB"}],"spiffe_refresh_hint":60}"#.utf8))

        add("x509-svid", "leaf", .lengthPrefixed(bundle.derRepresentation) + .lengthPrefixed(svid.privateKeyDER) + svid.chainDER)
        add("x509-svid", "intermediate", .lengthPrefixed(bundle.derRepresentation) + .lengthPrefixed(deepSVID.privateKeyDER) + deepSVID.chainDER)
        add("x509-svid", "wrong-key", .lengthPrefixed(bundle.derRepresentation) + .lengthPrefixed(deepSVID.privateKeyDER) + svid.chainDER)

        add("csr", "p256", csrP256)
        add("csr", "p384", csrP384)
        add("csr", "rsa2048", csrRSA)
        add("csr", "agent", try! CSRBuilder.csr(for: CSRBuilder.newKey()))

        // Workload API messages (selector byte first, see WorkloadAPITargets).
        var x509SVID = X509SVID_Proto(svid: svid, bundle: bundle)
        add("workload-api-messages", "x509-svid-response", 0, x509SVID.response)
        x509SVID.federated = true
        add("workload-api-messages", "x509-svid-response-federated", 0, x509SVID.response)
        var x509Bundles = WorkloadAPI_X509BundlesResponse()
        x509Bundles.bundles["spiffe://example.org"] = Data(bundle.derRepresentation)
        add("workload-api-messages", "x509-bundles-response", 1, x509Bundles)
        var jwtBundles = WorkloadAPI_JWTBundlesResponse()
        jwtBundles.bundles["spiffe://example.org"] = Data(FuzzKeys.jwtBundles.jwtBundle(for: FuzzKeys.trustDomain)!.jwksJSON)
        add("workload-api-messages", "jwt-bundles-response", 2, jwtBundles)
        var jwtSVIDs = WorkloadAPI_JWTSVIDResponse()
        var item = WorkloadAPI_JWTSVID()
        item.spiffeID = workload.string
        item.svid = tokenP256
        item.hint = "internal"
        jwtSVIDs.svids = [item]
        add("workload-api-messages", "jwt-svid-response", 3, jwtSVIDs)
        var validate = WorkloadAPI_ValidateJWTSVIDRequest()
        validate.audience = FuzzKeys.audience
        validate.svid = tokenP384
        add("workload-api-messages", "validate-request", 4, validate)
        var validated = WorkloadAPI_ValidateJWTSVIDResponse()
        validated.spiffeID = workload.string
        validated.claims = try! Google_Protobuf_Struct(jsonString: #"{"sub":"spiffe://example.org/workload","aud":["a"],"exp":1800003600}"#)
        add("workload-api-messages", "validate-response", 5, validated)
        var jwtRequest = WorkloadAPI_JWTSVIDRequest()
        jwtRequest.audience = ["a", "b"]
        jwtRequest.spiffeID = workload.string
        add("workload-api-messages", "jwt-svid-request", 6, jwtRequest)
        add("workload-api-messages", "x509-svid-request", 7, WorkloadAPI_X509SVIDRequest())

        // Admin API, SPIRE's server API (see AdminTargets; the seeds name the method by its AdminMethod byte).
        func spiffeID(_ path: String) -> Spire_Api_Types_SPIFFEID {
            var id = Spire_Api_Types_SPIFFEID()
            id.trustDomain = "example.org"
            id.path = path
            return id
        }
        var spireSelector = Spire_Api_Types_Selector()
        spireSelector.type = "unix"
        spireSelector.value = "uid:1001"
        var spireEntry = Spire_Api_Types_Entry()
        spireEntry.spiffeID = spiffeID("/fuzz/web")
        spireEntry.parentID = spiffeID("/spire/agent/join_token/seed")
        spireEntry.selectors = [spireSelector]
        spireEntry.x509SvidTtl = 600
        spireEntry.jwtSvidTtl = 300
        spireEntry.dnsNames = ["web.example.org"]
        spireEntry.federatesWith = ["other.org"]
        spireEntry.hint = "web"
        spireEntry.expiresAt = 1_900_000_000
        var create = Spire_Api_Server_Entry_V1_BatchCreateEntryRequest()
        create.entries = [spireEntry]
        // Issue #11's crash loop: an entry that expires at Int64.max seconds (refused now, never stored).
        var createFarExpiry = create
        createFarExpiry.entries[0].expiresAt = Int64.max
        var update = Spire_Api_Server_Entry_V1_BatchUpdateEntryRequest()
        var updatedEntry = spireEntry
        updatedEntry.id = "seed-entry"
        updatedEntry.spiffeID = spiffeID("/workload")
        update.entries = [updatedEntry]
        update.inputMask.selectors = true
        update.inputMask.dnsNames = true
        var delete = Spire_Api_Server_Entry_V1_BatchDeleteEntryRequest()
        delete.ids = ["seed-entry", "missing"]
        var list = Spire_Api_Server_Entry_V1_ListEntriesRequest()
        list.filter.byParentID = spireEntry.parentID
        list.filter.bySelectors.selectors = [spireSelector]
        list.filter.bySelectors.match = .matchSuperset
        list.pageSize = 2
        var count = Spire_Api_Server_Entry_V1_CountEntriesRequest()
        count.filter.bySpiffeID = spiffeID("/workload")
        var getEntry = Spire_Api_Server_Entry_V1_GetEntryRequest()
        getEntry.id = "seed-entry"
        var listAgents = Spire_Api_Server_Agent_V1_ListAgentsRequest()
        listAgents.filter.byAttestationType = "join_token"
        listAgents.filter.byBanned = .init(false)
        listAgents.pageSize = 1
        var countAgents = Spire_Api_Server_Agent_V1_CountAgentsRequest()
        countAgents.filter.byAttestationType = "join_token"
        var getAgent = Spire_Api_Server_Agent_V1_GetAgentRequest()
        getAgent.id = spiffeID("/spire/agent/join_token/seed")
        var deleteAgent = Spire_Api_Server_Agent_V1_DeleteAgentRequest()
        deleteAgent.id = getAgent.id
        var banAgent = Spire_Api_Server_Agent_V1_BanAgentRequest()
        banAgent.id = getAgent.id
        var token = Spire_Api_Server_Agent_V1_CreateJoinTokenRequest()
        token.ttl = 600
        token.agentID = spiffeID("/node/alias")
        var spireBundle = Spire_Api_Types_Bundle()
        spireBundle.trustDomain = "other.org"
        var authority = Spire_Api_Types_X509Certificate()
        authority.asn1 = Data(ca.certificate.spiffeDERBytes)
        spireBundle.x509Authorities = [authority]
        spireBundle.sequenceNumber = 1
        var createBundle = Spire_Api_Server_Bundle_V1_BatchCreateFederatedBundleRequest()
        createBundle.bundle = [spireBundle]
        var updateBundle = Spire_Api_Server_Bundle_V1_BatchUpdateFederatedBundleRequest()
        updateBundle.bundle = [spireBundle]
        var setBundle = Spire_Api_Server_Bundle_V1_BatchSetFederatedBundleRequest()
        setBundle.bundle = [spireBundle]
        var deleteBundle = Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleRequest()
        deleteBundle.trustDomains = ["other.org"]
        deleteBundle.mode = .dissociate
        var getFederated = Spire_Api_Server_Bundle_V1_GetFederatedBundleRequest()
        getFederated.trustDomain = "other.org"
        var mintX509 = Spire_Api_Server_Svid_V1_MintX509SVIDRequest()
        mintX509.csr = Data(csrP256)
        mintX509.ttl = 120
        var mintJWT = Spire_Api_Server_Svid_V1_MintJWTSVIDRequest()
        mintJWT.id = spiffeID("/minted")
        mintJWT.audience = ["aud"]
        mintJWT.ttl = 60
        var relationship = Spire_Api_Types_FederationRelationship()
        relationship.trustDomain = "other.org"
        relationship.bundleEndpointURL = "https://127.0.0.1:8443"
        relationship.httpsWeb = Spire_Api_Types_HTTPSWebProfile()
        var createRelationship = Spire_Api_Server_Trustdomain_V1_BatchCreateFederationRelationshipRequest()
        createRelationship.federationRelationships = [relationship]
        var updateRelationship = Spire_Api_Server_Trustdomain_V1_BatchUpdateFederationRelationshipRequest()
        updateRelationship.federationRelationships = [relationship]
        updateRelationship.inputMask.bundleEndpointURL = true
        var deleteRelationship = Spire_Api_Server_Trustdomain_V1_BatchDeleteFederationRelationshipRequest()
        deleteRelationship.trustDomains = ["other.org"]
        var getRelationship = Spire_Api_Server_Trustdomain_V1_GetFederationRelationshipRequest()
        getRelationship.trustDomain = "other.org"
        var appendBundle = Spire_Api_Server_Bundle_V1_AppendBundleRequest()
        appendBundle.x509Authorities = spireBundle.x509Authorities
        appendBundle.jwtAuthorities = spireBundle.jwtAuthorities
        var health = Steeple_Server_V1_HealthRequest()
        health.shallow = true

        let adminSeeds: [(AdminMethod, String, any SwiftProtobuf.Message)] = [
            (.batchCreateEntry, "batch-create-entry", create), (.batchCreateEntry, "create-entries-expiry-int64-max", createFarExpiry),
            (.batchUpdateEntry, "batch-update-entry", update), (.batchDeleteEntry, "batch-delete-entry", delete),
            (.listEntries, "list-entries", list), (.countEntries, "count-entries", count), (.getEntry, "get-entry", getEntry),
            (.listAgents, "list-agents", listAgents), (.countAgents, "count-agents", countAgents), (.getAgent, "get-agent", getAgent),
            (.deleteAgent, "delete-agent", deleteAgent), (.banAgent, "ban-agent", banAgent), (.createJoinToken, "create-join-token", token),
            (.getBundle, "get-bundle", Spire_Api_Server_Bundle_V1_GetBundleRequest()), (.countBundles, "count-bundles", Spire_Api_Server_Bundle_V1_CountBundlesRequest()),
            (.listFederatedBundles, "list-federated-bundles", Spire_Api_Server_Bundle_V1_ListFederatedBundlesRequest()),
            (.getFederatedBundle, "get-federated-bundle", getFederated), (.batchCreateFederatedBundle, "batch-create-federated-bundle", createBundle),
            (.batchUpdateFederatedBundle, "batch-update-federated-bundle", updateBundle), (.batchSetFederatedBundle, "batch-set-federated-bundle", setBundle),
            (.batchDeleteFederatedBundle, "batch-delete-federated-bundle", deleteBundle),
            (.mintX509SVID, "mint-x509-svid", mintX509), (.mintJWTSVID, "mint-jwt-svid", mintJWT),
            (.listFederationRelationships, "list-federation-relationships", Spire_Api_Server_Trustdomain_V1_ListFederationRelationshipsRequest()),
            (.getFederationRelationship, "get-federation-relationship", getRelationship),
            (.batchCreateFederationRelationship, "batch-create-federation-relationship", createRelationship),
            (.batchUpdateFederationRelationship, "batch-update-federation-relationship", updateRelationship),
            (.batchDeleteFederationRelationship, "batch-delete-federation-relationship", deleteRelationship),
            (.health, "health", health), (.appendBundle, "append-bundle", appendBundle),
        ]
        for (method, name, message) in adminSeeds {
            let encoded = try! message.serializedBytes() as [UInt8]
            add("admin-handlers", name, [method.rawValue] + encoded)
            add("admin-messages", name, [method.rawValue << 1] + encoded)
        }
        // Responses, as the CLI decodes them (the lowest bit of the selector).
        var listed = Spire_Api_Server_Entry_V1_ListEntriesResponse()
        listed.entries = [spireEntry, updatedEntry]
        listed.nextPageToken = "seed-entry"
        var agentsListed = Spire_Api_Server_Agent_V1_ListAgentsResponse()
        var seedAgent = Spire_Api_Types_Agent()
        seedAgent.id = getAgent.id
        seedAgent.attestationType = "join_token"
        seedAgent.agentVersion = "1.12.0"
        agentsListed.agents = [seedAgent]
        var createdResult = Spire_Api_Server_Entry_V1_BatchCreateEntryResponse.Result()
        createdResult.entry = spireEntry
        createdResult.status.code = 6
        createdResult.status.message = "similar entry already exists"
        var createdResponse = Spire_Api_Server_Entry_V1_BatchCreateEntryResponse()
        createdResponse.results = [createdResult]
        var minted = Spire_Api_Server_Svid_V1_MintJWTSVIDResponse()
        minted.svid.token = tokenP256
        minted.svid.id = mintJWT.id
        let responseSeeds: [(AdminMethod, String, any SwiftProtobuf.Message)] = [
            (.listEntries, "list-entries-response", listed), (.listAgents, "list-agents-response", agentsListed),
            (.batchCreateEntry, "batch-create-entry-response", createdResponse), (.getBundle, "get-bundle-response", spireBundle),
            (.mintJWTSVID, "mint-jwt-svid-response", minted),
        ]
        for (method, name, message) in responseSeeds {
            add("admin-messages", name, [method.rawValue << 1 | 1] + (try! message.serializedBytes() as [UInt8]))
        }

        // Steeple's agent API messages (the pushed sync).
        var entry = Steeple_Server_V1_Entry()
        entry.spiffeID = "spiffe://example.org/fuzz/web"
        entry.parentID = "spiffe://example.org/spire/agent/join_token/seed"
        var selector = Steeple_Server_V1_Selector()
        selector.type = "unix"
        selector.value = "uid:1001"
        entry.selectors = [selector]
        entry.x509SvidTtl = 600
        entry.jwtSvidTtl = 300
        entry.dnsNames = ["web.example.org"]
        entry.federatesWith = ["other.org"]
        entry.hint = "web"
        entry.expiresAt = 1_900_000_000
        var updated = entry
        updated.id = "seed-entry"
        updated.spiffeID = "spiffe://example.org/workload"
        var federated = Steeple_Server_V1_Bundle()
        federated.trustDomain = "other.org"
        federated.spiffeBundleJson = Data(SPIFFEBundle(trustDomain: try! TrustDomain("other.org"), x509Authorities: [ca.certificate]).jsonRepresentation)

        // Agent API.
        var attestResult = Steeple_Server_V1_AttestAgentResponse.Result()
        attestResult.x509SvidChain = Data(svid.chainDER)
        attestResult.trustBundleJson = Data(spiffeBundle.jsonRepresentation)
        attestResult.spiffeID = "spiffe://example.org/spire/agent/join_token/seed"
        var attestResponse = Steeple_Server_V1_AttestAgentResponse()
        attestResponse.result = attestResult
        add("agent-api-messages", "attest-response", 0, attestResponse)
        var sync = Steeple_Server_V1_SyncEntriesResponse()
        sync.snapshot = true
        sync.snapshotComplete = true
        sync.upserted = [entry, updated]
        sync.deletedEntryIds = ["gone"]
        var ownBundle = Steeple_Server_V1_Bundle()
        ownBundle.trustDomain = "example.org"
        ownBundle.spiffeBundleJson = Data(spiffeBundle.jsonRepresentation)
        sync.bundle = ownBundle
        sync.federatedBundles = [federated]
        sync.sequence = 42
        add("agent-api-messages", "sync-response", 1, sync)
        var batchResult = Steeple_Server_V1_BatchSignX509SVIDResponse.Result()
        batchResult.entryID = "seed-entry"
        batchResult.x509SvidChain = Data(svid.chainDER)
        batchResult.expiresAt = 1_850_000_000
        var batch = Steeple_Server_V1_BatchSignX509SVIDResponse()
        batch.results = [batchResult]
        add("agent-api-messages", "batch-sign-response", 2, batch)
        var signJWT = Steeple_Server_V1_SignJWTSVIDResponse()
        signJWT.token = tokenP256
        signJWT.expiresAt = 1_800_003_600
        add("agent-api-messages", "sign-jwt-response", 4, signJWT)

        var params = Steeple_Server_V1_AttestAgentRequest.Params()
        params.attestationType = "join_token"
        params.payload = Data(FuzzServer.joinToken.utf8)
        params.csr = Data(csrP256)
        var attest = Steeple_Server_V1_AttestAgentRequest()
        attest.params = params
        add("agent-attest", "join-token", .lengthPrefixed(try! attest.serializedBytes()))
        params.attestationType = "x509pop"
        params.payload = Data(svid.chainDER)
        attest.params = params
        var answer = Steeple_Server_V1_AttestAgentRequest()
        answer.challengeResponse = Data([1, 2, 3])
        add("agent-attest", "x509pop-not-enabled", .lengthPrefixed(try! attest.serializedBytes()) + .lengthPrefixed(try! answer.serializedBytes()))
        add("agent-api-messages", "attest-request", 5, attest)

        // x509pop: SPIRE's JSON messages, a valid answer to the fixed challenge, and the RSA-PSS vector.
        add("x509pop", "payload", [0] + X509PoPMessages.encode(X509PoPMessages.AttestationData(certificates: [Data(X509PoPTargets.Fixed.leaf.spiffeDERBytes)])))
        add("x509pop", "challenge", [1] + X509PoPMessages.encode(X509PoPTargets.Fixed.challenge))
        add("x509pop", "answer", [2] + X509PoPMessages.encode(try! X509PoPProof.response(to: X509PoPTargets.Fixed.challenge, with: .p256(FuzzKeys.p256))))
        add("x509pop", "rsa-pss-signature", [3] + X509PoPTargets.Fixed.signature)
        add("x509pop", "rsa-pss-key", [4] + X509PoPTargets.Fixed.spki)

        // gRPC framing: a cap byte (× 64 bytes), then DATA payloads.
        let message = try! jwtRequest.serializedBytes() as [UInt8]
        let framed: [UInt8] = [0, 0, 0, 0, UInt8(message.count)] + message
        add("grpc-deframer", "one-message", [4] + .lengthPrefixed(framed))
        add("grpc-deframer", "split-messages", [4] + .lengthPrefixed(Array(framed.prefix(3))) + .lengthPrefixed(Array(framed.dropFirst(3)) + framed))
        add("grpc-deframer", "compressed", [4] + .lengthPrefixed([1, 0, 0, 0, 1, 0]))
        add("grpc-deframer", "over-cap", [0] + .lengthPrefixed([0, 0, 0, 1, 0]))
        var head: [UInt8] = []
        for (name, value) in [
            (":method", "POST"), (":scheme", "http"), (":path", "/SpiffeWorkloadAPI/FetchX509SVID"), (":authority", "localhost"),
            ("content-type", "application/grpc+proto"), ("te", "trailers"), ("grpc-timeout", "5S"), ("workload.spiffe.io", "true"),
            ("trace-bin", "AAECAw=="), ("user-agent", "grpc-python/1.85.3"),
        ] {
            head += .lengthPrefixed(Array(name.utf8)) + .lengthPrefixed(Array(value.utf8))
        }
        add("grpc-request-head", "fetch-x509-svid", head)
        add("grpc-request-head", "grpc-web", .lengthPrefixed(Array(":method".utf8)) + .lengthPrefixed(Array("POST".utf8))
            + .lengthPrefixed(Array("content-type".utf8)) + .lengthPrefixed(Array("application/grpc-web".utf8)))

        for (target, files) in seeds.sorted(by: { $0.key < $1.key }) {
            let directory = corpus + "/" + target
            try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
                _ = FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(bytes))
            }
            print("\(target): \(files.count) generated seeds")
        }
    }

    private static func jwt(key: JWTSigningKey) -> String {
        try! JWTSVID.sign(
            subject: try! SPIFFEID("spiffe://example.org/workload"),
            audience: [FuzzKeys.audience, "other"],
            expiresAt: Date(timeIntervalSince1970: 1_800_003_600),
            issuedAt: Date(timeIntervalSince1970: 1_800_000_000),
            key: key
        ).token
    }

    private static func csr(_ key: Certificate.PrivateKey, _ algorithm: Certificate.SignatureAlgorithm) -> [UInt8] {
        let request = try! CertificateSigningRequest(
            version: .v1,
            subject: try! DistinguishedName { CommonName("fuzz") },
            privateKey: key,
            attributes: CertificateSigningRequest.Attributes(),
            signatureAlgorithm: algorithm
        )
        var serializer = DER.Serializer()
        try! serializer.serialize(request)
        return serializer.serializedBytes
    }

    private static func base64URL(_ text: String) -> String {
        String(Data(text.utf8).base64EncodedString().compactMap { character -> Character? in
            switch character {
            case "+": "-"
            case "/": "_"
            case "=": nil
            default: character
            }
        })
    }
}

/// A `WorkloadAPI_X509SVIDResponse` holding one SVID (and, when `federated`, a federated bundle).
private struct X509SVID_Proto {
    let svid: X509SVID
    let bundle: X509Bundle
    var federated = false

    var response: WorkloadAPI_X509SVIDResponse {
        var item = WorkloadAPI_X509SVID()
        item.spiffeID = svid.id.string
        item.x509Svid = Data(svid.chainDER)
        item.x509SvidKey = Data(svid.privateKeyDER)
        item.bundle = Data(bundle.derRepresentation)
        item.hint = "internal"
        var response = WorkloadAPI_X509SVIDResponse()
        response.svids = [item]
        if federated { response.federatedBundles["spiffe://other.org"] = Data(bundle.derRepresentation) }
        return response
    }
}
