import GRPCCore
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPITestSupport
import Testing

@Suite("WorkloadAPIClient: connection loss and lifecycle")
struct WorkloadAPIClientLifecycleTests {
    @Test("the server going away ends a watch and later calls with unavailable")
    func serverGoesAway() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        server.api.setJWTIdentities([Fixtures.web], key: Fixtures.jwtKey, bundles: Fixtures.jwtBundles)
        try await server.withClient { client in
            var updates = client.watchX509Context().makeAsyncIterator()
            _ = try await updates.next()
            await server.stop()
            await #expect(throws: WorkloadAPIError(code: .unavailable, message: "")) { try await updates.next() }
            await #expect(throws: WorkloadAPIError(code: .unavailable, message: "")) {
                try await client.fetchJWTSVID(audience: ["a"])
            }
        }
    }

    @Test("nothing listening on the socket is unavailable")
    func nobodyListening() async throws {
        let endpoint = try WorkloadAPIEndpoint(unixSocketPath: FakeServer.temporaryPath())
        _ = try await withWorkloadAPIClient(endpoint: endpoint) { client in
            await #expect(throws: WorkloadAPIError(code: .unavailable, message: "")) { try await client.fetchX509Context() }
        }
    }

    @Test("close ends open watches with clientClosed and refuses new calls")
    func close() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        try await server.start()
        let client = try WorkloadAPIClient(endpoint: server.endpoint)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            var updates = client.watchX509Context().makeAsyncIterator()
            _ = try await updates.next()
            _ = try await client.fetchX509Context()
            client.close()
            await #expect(throws: WorkloadAPIError(code: .clientClosed, message: "")) { try await updates.next() }
            await #expect(throws: WorkloadAPIError(code: .clientClosed, message: "")) { try await client.fetchX509Context() }
            try await group.waitForAll()
        }
        await server.stop()
    }
}
