import Crypto
import GRPCCore
import SPIFFE
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPITestSupport
import SPIFFEWorkloadAPIProto
import Testing

@Suite("WorkloadAPIClient: JWT-SVIDs and JWT bundles against a fake Workload API on a Unix socket")
struct WorkloadAPIClientJWTTests {
    static func server() -> FakeServer {
        let server = FakeServer()
        server.api.setJWTIdentities([Fixtures.web, Fixtures.db], key: Fixtures.jwtKey, bundles: Fixtures.jwtBundles)
        server.api.jwtBundles.set(.success(Fixtures.jwtBundlesResponse()))
        return server
    }

    @Test("fetches JWT-SVIDs for every identity, or for the requested subject")
    func fetchJWTSVIDs() async throws {
        let server = Self.server()
        try await server.withClient { client in
            let all = try await client.fetchJWTSVIDs(audience: ["spiffe://example.org/api", "other"])
            #expect(all.map(\.subject) == [Fixtures.web, Fixtures.db])
            #expect(all.allSatisfy { $0.audience == ["spiffe://example.org/api", "other"] })
            #expect(server.api.lastJWTSVIDRequest?.spiffeID == "")
            let one = try await client.fetchJWTSVID(audience: ["a"], subject: Fixtures.db)
            #expect(one.subject == Fixtures.db)
            #expect(server.api.lastJWTSVIDRequest?.spiffeID == Fixtures.db.string)
            #expect(server.api.lastJWTSVIDRequest?.audience == ["a"])
        }
    }

    @Test("an empty audience is refused before anything is sent")
    func emptyAudience() async throws {
        try await Self.server().withClient { client in
            await #expect(throws: WorkloadAPIError(code: .invalidRequest, message: "")) {
                try await client.fetchJWTSVID(audience: [])
            }
            await #expect(throws: WorkloadAPIError(code: .invalidRequest, message: "")) {
                try await client.fetchJWTSVID(audience: [""])
            }
        }
    }

    @Test("PermissionDenied for a subject the workload is not entitled to, with the server's message")
    func permissionDenied() async throws {
        try await Self.server().withClient { client in
            let other = try SPIFFEID("spiffe://example.org/other")
            let error = await #expect(throws: WorkloadAPIError.self) {
                try await client.fetchJWTSVID(audience: ["a"], subject: other)
            }
            #expect(error?.code == .permissionDenied)
            #expect(error?.message == "no identity issued")
        }
    }

    @Test("validates a token on the server and returns it parsed")
    func validate() async throws {
        try await Self.server().withClient { client in
            let token = try await client.fetchJWTSVID(audience: ["spiffe://example.org/api"])
            let validated = try await client.validateJWTSVID(token: token.token, audience: "spiffe://example.org/api")
            #expect(validated.subject == Fixtures.web)
            #expect(validated.token == token.token)
        }
    }

    @Test("a token the server rejects is InvalidArgument with the server's reason")
    func validateRejected() async throws {
        try await Self.server().withClient { client in
            let token = try await client.fetchJWTSVID(audience: ["a"])
            let error = await #expect(throws: WorkloadAPIError.self) {
                try await client.validateJWTSVID(token: token.token, audience: "b")
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("aud") == true)
            await #expect(throws: WorkloadAPIError(code: .invalidArgument, message: "")) {
                try await client.validateJWTSVID(token: "not.a.token", audience: "a")
            }
        }
    }

    @Test("fetches and watches JWT bundles")
    func jwtBundles() async throws {
        let server = Self.server()
        try await server.withClient { client in
            let bundles = try await client.fetchJWTBundles()
            #expect(bundles == Fixtures.jwtBundles)
            var updates = client.watchJWTBundles().makeAsyncIterator()
            #expect(try await updates.next() == Fixtures.jwtBundles)
            var rotated = Fixtures.jwtBundles
            let next = try JWTSigningKey(Crypto.P256.Signing.PrivateKey(), keyID: "jwt-kid-2")
            var bundle = rotated.jwtBundle(for: Fixtures.exampleOrg)!
            bundle.jwtAuthorities[next.keyID] = next.publicKey
            rotated.set(bundle)
            server.api.jwtBundles.set(.success(Fixtures.jwtBundlesResponse(rotated)))
            #expect(try await updates.next()?.jwtBundle(for: Fixtures.exampleOrg)?.jwtAuthorities.count == 2)
        }
    }

    @Test("a JWT bundle that is not a JWKS is a malformed response")
    func malformedJWTBundle() async throws {
        let server = Self.server()
        var response = WorkloadAPI_JWTBundlesResponse()
        response.bundles = [Fixtures.exampleOrg.idString: .init("not json".utf8)]
        server.api.jwtBundles.set(.success(response))
        try await server.withClient { client in
            await #expect(throws: WorkloadAPIError(code: .malformedResponse, message: "")) { try await client.fetchJWTBundles() }
        }
    }
}
