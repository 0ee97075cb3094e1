import GRPCCore
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPITestSupport
import SPIFFEWorkloadAPIProto
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("WorkloadAPIClient: X509-SVIDs and X.509 bundles against a fake Workload API on a Unix socket")
struct WorkloadAPIClientX509Tests {
    @Test("fetches the X509 context: SVIDs with hints, the own bundle and federated bundles")
    func fetchX509Context() async throws {
        let server = FakeServer()
        let web = Fixtures.ca.makeSVID(Fixtures.web)
        let db = Fixtures.ca.makeSVID(Fixtures.db)
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(web, hint: "external"), Fixtures.item(db, hint: "internal")])))
        try await server.withClient { client in
            let context = try await client.fetchX509Context()
            #expect(context.svids.map(\.id) == [Fixtures.web, Fixtures.db])
            #expect(context.svids.map(\.hint) == ["external", "internal"])
            #expect(context.defaultSVID.leaf == web.leaf)
            #expect(context.bundles.x509Bundle(for: Fixtures.exampleOrg) == Fixtures.ca.bundle)
            #expect(context.bundles.x509Bundle(for: Fixtures.otherOrg) == Fixtures.federatedCA.bundle)
            #expect(try await client.fetchX509SVIDs().map(\.id) == [Fixtures.web, Fixtures.db])
            #expect(try await client.fetchX509SVID().id == Fixtures.web)
        }
    }

    @Test("every call carries exactly one workload.spiffe.io: true header")
    func securityHeader() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        server.api.x509Bundles.set(.success(Fixtures.x509BundlesResponse()))
        server.api.jwtBundles.set(.success(Fixtures.jwtBundlesResponse()))
        server.api.setJWTIdentities([Fixtures.web], key: Fixtures.jwtKey, bundles: Fixtures.jwtBundles)
        try await server.withClient { client in
            _ = try await client.fetchX509Context()
            _ = try await client.fetchX509Bundles()
            _ = try await client.fetchJWTBundles()
            let token = try await client.fetchJWTSVID(audience: ["a"])
            _ = try await client.validateJWTSVID(token: token.token, audience: "a")
            var watch = client.watchX509Context().makeAsyncIterator()
            _ = try await watch.next()
        }
        let seen = server.headers.valuesByMethod
        #expect(Set(seen.keys) == ["FetchX509SVID", "FetchX509Bundles", "FetchJWTBundles", "FetchJWTSVID", "ValidateJWTSVID"])
        for (method, calls) in seen {
            #expect(calls.allSatisfy { $0 == ["true"] }, "\(method): \(calls)")
        }
    }

    @Test("repeated fetches share one stream instead of resetting one per call")
    func fetchesShareOneStream() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        server.api.x509Bundles.set(.success(Fixtures.x509BundlesResponse()))
        try await server.withClient { client in
            for _ in 0..<50 {
                _ = try await client.fetchX509SVID()
                _ = try await client.fetchX509Bundles()
            }
            #expect(server.api.x509SVIDs.openedCount == 1)
            #expect(server.api.x509Bundles.openedCount == 1)
        }
    }

    @Test("a fetch after the server pushed a change sees the change")
    func fetchSeesPushedChange() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        try await server.withClient { client in
            var watch = client.watchX509Context().makeAsyncIterator()
            #expect(try await client.fetchX509SVID().id == Fixtures.web)
            _ = try await watch.next()
            server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.db))])))
            // The watch sees the push no earlier than the shared stream does: both read the same server state.
            #expect(try await watch.next()?.defaultSVID.id == Fixtures.db)
            // The shared stream's copy of the push may still be on its way (a loaded machine took longer than 100
            // yields): poll for up to 10 s.
            var latest = try await client.fetchX509SVID().id
            let deadline = ContinuousClock.now + .seconds(10)
            while latest != Fixtures.db && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
                latest = try await client.fetchX509SVID().id
            }
            #expect(latest == Fixtures.db)
        }
    }

    @Test("a watch sees the first state and then each update")
    func watchSeesUpdates() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        try await server.withClient { client in
            var updates = client.watchX509Context().makeAsyncIterator()
            let first = try await updates.next()
            #expect(first?.defaultSVID.id == Fixtures.web)
            server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.db))])))
            let second = try await updates.next()
            #expect(second?.defaultSVID.id == Fixtures.db)
        }
    }

    @Test("fetches and watches X.509 bundles of every trust domain")
    func x509Bundles() async throws {
        let server = FakeServer()
        server.api.x509Bundles.set(.success(Fixtures.x509BundlesResponse()))
        try await server.withClient { client in
            let bundles = try await client.fetchX509Bundles()
            #expect(bundles.count == 2)
            #expect(bundles.x509Bundle(for: Fixtures.otherOrg) == Fixtures.federatedCA.bundle)
            var updates = client.watchX509Bundles().makeAsyncIterator()
            #expect(try await updates.next()?.count == 2)
            var onlyOwn = WorkloadAPI_X509BundlesResponse()
            onlyOwn.bundles = [Fixtures.exampleOrg.idString: Fixtures.x509BundlesResponse().bundles[Fixtures.exampleOrg.idString]!]
            server.api.x509Bundles.set(.success(onlyOwn))
            #expect(try await updates.next()?.count == 1)
        }
    }

    @Test("PermissionDenied is mapped, with the server's message")
    func permissionDenied() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.failure(RPCError(code: .permissionDenied, message: "no identity issued")))
        try await server.withClient { client in
            let error = await #expect(throws: WorkloadAPIError.self) { try await client.fetchX509Context() }
            #expect(error?.code == .permissionDenied)
            #expect(error?.message == "no identity issued")
            var updates = client.watchX509Context().makeAsyncIterator()
            await #expect(throws: WorkloadAPIError(code: .permissionDenied, message: "")) { try await updates.next() }
        }
    }

    @Test("an SVID that breaks the X509-SVID rules is refused as a malformed response")
    func malformedSVID() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.leafWithCATrue(Fixtures.web)])))
        try await server.withClient { client in
            let error = await #expect(throws: WorkloadAPIError.self) { try await client.fetchX509Context() }
            #expect(error?.code == .malformedResponse)
            #expect((error?.cause as? SPIFFEError)?.code == .leafBasicConstraints)
            var updates = client.watchX509Context().makeAsyncIterator()
            await #expect(throws: WorkloadAPIError(code: .malformedResponse, message: "")) { try await updates.next() }
        }
    }

    @Test(
        "other malformed X509 responses are refused",
        arguments: ["no SVID", "spiffe_id differs from the URI SAN", "empty bundle", "bad federated key"]
    )
    func malformedResponses(defect: String) async throws {
        let server = FakeServer()
        var response = Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])
        switch defect {
        case "no SVID": response.svids = []
        case "spiffe_id differs from the URI SAN": response.svids[0].spiffeID = Fixtures.db.string
        case "empty bundle": response.svids[0].bundle = Data()
        default: response.federatedBundles["spiffe://Bad.Org"] = response.svids[0].bundle
        }
        server.api.x509SVIDs.set(.success(response))
        try await server.withClient { client in
            await #expect(throws: WorkloadAPIError(code: .malformedResponse, message: "")) { try await client.fetchX509Context() }
        }
    }

    @Test("duplicate hints keep the first SVID only")
    func duplicateHints() async throws {
        let server = FakeServer()
        let items = [
            Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web), hint: "h"),
            Fixtures.item(Fixtures.ca.makeSVID(Fixtures.db), hint: "h"),
        ]
        server.api.x509SVIDs.set(.success(Fixtures.x509Response(items)))
        try await server.withClient { client in
            let svids = try await client.fetchX509SVIDs()
            #expect(svids.map(\.id) == [Fixtures.web])
        }
    }
}
