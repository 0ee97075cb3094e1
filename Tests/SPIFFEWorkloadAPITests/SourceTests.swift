import GRPCCore
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPI
import SPIFFEWorkloadAPITestSupport
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("X509Source and JWTSource keep the latest state of a watch, reconnecting with backoff")
struct SourceTests {
    static let fastBackoff = WorkloadAPIBackoff(initial: .milliseconds(10), maximum: .milliseconds(50))

    /// Runs `source` in a task for the duration of `body`, then cancels it and waits for it to stop.
    static func running(_ run: @escaping @Sendable () async throws -> Void, _ body: () async throws -> Void) async throws {
        let task = Task { try await run() }
        do {
            try await body()
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        task.cancel()
        try await task.value
    }

    @Test("X509Source serves the latest SVID and bundles and publishes updates")
    func x509Source() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        try await server.start()
        let source = try X509Source(endpoint: server.endpoint, backoff: Self.fastBackoff)
        #expect(throws: WorkloadAPIError(code: .unavailable, message: "")) { try source.svid() }
        try await Self.running(source.run) {
            let first = try await source.ready()
            #expect(first.defaultSVID.id == Fixtures.web)
            #expect(try source.svid().id == Fixtures.web)
            #expect(source.x509Bundle(for: Fixtures.exampleOrg) == Fixtures.ca.bundle)
            #expect(source.x509Bundle(for: Fixtures.otherOrg) == Fixtures.federatedCA.bundle)
            var updates = source.updates().makeAsyncIterator()
            #expect(await updates.next()?.defaultSVID.id == Fixtures.web)
            server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.db))])))
            #expect(await updates.next()?.defaultSVID.id == Fixtures.db)
            #expect(try source.svid().id == Fixtures.db)
        }
        await server.stop()
    }

    @Test("X509Source picks the SVID its picker chooses")
    func picker() async throws {
        let server = FakeServer()
        let items = [Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web), hint: "a"), Fixtures.item(Fixtures.ca.makeSVID(Fixtures.db), hint: "b")]
        server.api.x509SVIDs.set(.success(Fixtures.x509Response(items)))
        try await server.start()
        let source = try X509Source(endpoint: server.endpoint, picker: { svids in svids.first { $0.hint == "b" } })
        try await Self.running(source.run) {
            _ = try await source.ready()
            #expect(try source.svid().id == Fixtures.db)
        }
        await server.stop()
    }

    @Test("X509Source reconnects after the Workload API restarts and sees the new state")
    func reconnect() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
        try await server.start()
        let source = try X509Source(endpoint: server.endpoint, backoff: Self.fastBackoff)
        try await Self.running(source.run) {
            var updates = source.updates().makeAsyncIterator()
            #expect(await updates.next()?.defaultSVID.id == Fixtures.web)
            await server.stop()
            server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.db))])))
            try await server.start()
            #expect(await updates.next()?.defaultSVID.id == Fixtures.db)
            #expect(server.api.x509SVIDs.openedCount >= 2)
        }
        await server.stop()
    }

    @Test("X509Source keeps retrying while the server denies an identity, and recovers when one is issued")
    func retriesPermissionDenied() async throws {
        let server = FakeServer()
        server.api.x509SVIDs.set(.failure(.init(code: .permissionDenied, message: "no identity issued")))
        try await server.start()
        let source = try X509Source(endpoint: server.endpoint, backoff: Self.fastBackoff)
        try await Self.running(source.run) {
            while server.api.x509SVIDs.openedCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(source.lastError?.code == .permissionDenied)
            server.api.x509SVIDs.set(.success(Fixtures.x509Response([Fixtures.item(Fixtures.ca.makeSVID(Fixtures.web))])))
            #expect(try await source.ready().defaultSVID.id == Fixtures.web)
            #expect(source.lastError == nil)
        }
        await server.stop()
    }

    @Test("JWTSource serves JWT bundles, validates tokens with them and fetches JWT-SVIDs")
    func jwtSource() async throws {
        let server = FakeServer()
        server.api.jwtBundles.set(.success(Fixtures.jwtBundlesResponse()))
        server.api.setJWTIdentities([Fixtures.web], key: Fixtures.jwtKey, bundles: Fixtures.jwtBundles)
        try await server.start()
        let source = try JWTSource(endpoint: server.endpoint, backoff: Self.fastBackoff)
        try await Self.running(source.run) {
            #expect(try await source.ready() == Fixtures.jwtBundles)
            #expect(source.jwtBundle(for: Fixtures.exampleOrg) == Fixtures.jwtBundles.jwtBundle(for: Fixtures.exampleOrg))
            let token = try await source.fetchJWTSVID(audience: ["spiffe://example.org/api"])
            let validated = try JWTSVID.parseAndValidate(
                token: token.token,
                bundles: source,
                audience: ["spiffe://example.org/api"],
                now: Date()
            )
            #expect(validated.subject == Fixtures.web)
        }
        await server.stop()
    }

    @Test("a source stopped before its first update fails its waiters")
    func stoppedBeforeFirstUpdate() async throws {
        let source = try X509Source(endpoint: WorkloadAPIEndpoint(unixSocketPath: FakeServer.temporaryPath()), backoff: Self.fastBackoff)
        let task = Task { try await source.run() }
        while source.lastError == nil { try await Task.sleep(for: .milliseconds(5)) }
        task.cancel()
        try await task.value
        await #expect(throws: WorkloadAPIError(code: .clientClosed, message: "")) { try await source.ready() }
        #expect(source.lastError?.code == .unavailable)
    }
}
