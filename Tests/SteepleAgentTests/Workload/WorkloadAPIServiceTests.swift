import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import Logging
import SPIFFE
import SPIFFETestSupport
import SPIFFEWorkloadAPIProto
@testable import SteepleAgent
import SteepleServerAPIProto
import SwiftProtobuf
import Synchronization
import Testing

/// The Workload API service on the real Unix-socket transport, with the caller credentials the kernel gives the
/// test process, and a cache filled by hand: SPEC §6 semantics that the process-level tests cannot pin down.
@Suite("Workload API service")
struct WorkloadAPIServiceTests {
    let trustDomain = try! TrustDomain("example.org")
    let ca = TestCA(trustDomain: try! TrustDomain("example.org"))
    let uid = getuid()

    func entry(_ id: String, _ path: String, selectors: [String], hint: String = "", federatesWith: [String] = [], createdAt: Int64 = 1) throws -> AgentEntry {
        var proto = Steeple_Server_V1_Entry()
        proto.id = id
        proto.spiffeID = "spiffe://example.org" + path
        proto.parentID = "spiffe://example.org/spire/agent/x"
        proto.hint = hint
        proto.federatesWith = federatesWith
        proto.createdAt = createdAt
        proto.selectors = selectors.map { text in
            var selector = Steeple_Server_V1_Selector()
            let parts = text.split(separator: ":", maxSplits: 1)
            (selector.type, selector.value) = (String(parts[0]), String(parts[1]))
            return selector
        }
        return try AgentEntry(proto: proto)
    }

    func issue(_ entry: AgentEntry) -> IssuedX509SVID {
        IssuedX509SVID(entryID: entry.id, svid: ca.makeSVID(entry.spiffeID), shape: entry.x509Shape, rotateAt: Date() + 3600)
    }

    /// A cache with the trust domain's bundle, synced with `entries`, every entry issued.
    func makeCache(_ entries: [AgentEntry], federated: [SPIFFEBundle] = []) throws -> WorkloadCache {
        let cache = WorkloadCache(trustDomain: trustDomain)
        let bundle = try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: trustDomain, x509Authorities: [ca.certificate]), jwtBundle: JWTBundle(trustDomain: trustDomain))
        cache.setBundles(bundle, federated: federated)
        cache.replaceEntries(entries)
        cache.store(entries.map(issue))
        return cache
    }

    func withService<T: Sendable>(
        cache: WorkloadCache,
        health: AgentHealth? = nil,
        allowUnauthenticatedVerifiers: Bool = false,
        _ body: @Sendable (WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let path = "/tmp/steeple-agent-tests/\(getpid())-\(UInt32.random(in: 0...UInt32.max))/api.sock"
        let health = try health ?? AgentHealth.fixture(ca: ca, changes: cache.changes)
        var service = WorkloadAPIService(
            cache: cache, jwtCache: JWTSVIDCache(), session: ServerSession(), health: health, attestor: WorkloadAttestor(),
            caller: WorkloadEndpoint.caller(of:), logger: Logger(label: "test"))
        service.allowUnauthenticatedVerifiers = allowUnauthenticatedVerifiers
        let transport = UnixServerTransport(configuration: .init(socketPath: path))
        let server = GRPCServer(transport: transport, services: [service], interceptors: [SecurityHeaderInterceptor(), HealthCheckInterceptor(health: health)])
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await transport.waitUntilListening()
            defer { group.cancelAll() }
            return try await withGRPCClient(
                transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
            ) { client in
                try await body(WorkloadAPI_SpiffeWorkloadAPI.Client(wrapping: client))
            }
        }
    }

    static let header: Metadata = ["workload.spiffe.io": "true"]

    @Test("a call without the security header gets InvalidArgument before any handler")
    func header() async throws {
        let cache = try makeCache([try entry("a", "/a", selectors: ["unix:uid:\(uid)"])])
        try await withService(cache: cache) { client in
            await #expect {
                _ = try await client.fetchJWTSVID(request: ClientRequest(message: WorkloadAPI_JWTSVIDRequest()))
            } throws: { ($0 as? RPCError)?.code == .invalidArgument && ($0 as? RPCError)?.message == "security header missing from request" }
            await #expect {
                _ = try await client.fetchJWTSVID(request: ClientRequest(message: WorkloadAPI_JWTSVIDRequest(), metadata: ["workload.spiffe.io": "TRUE"]))
            } throws: { ($0 as? RPCError)?.code == .invalidArgument }
        }
    }

    @Test("X509-SVID response: caller's entries only, oldest first, duplicate hints dropped, own bundle per SVID, federated bundles keyed by spiffe://")
    func x509Response() async throws {
        let other = TestCA(trustDomain: try TrustDomain("partner.org"))
        let federated = try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: other.trustDomain, x509Authorities: [other.certificate]), jwtBundle: JWTBundle(trustDomain: other.trustDomain))
        let cache = try makeCache([
            try entry("new", "/new", selectors: ["unix:uid:\(uid)"], hint: "web", createdAt: 9),
            try entry("old", "/old", selectors: ["unix:uid:\(uid)"], hint: "web", federatesWith: ["partner.org"], createdAt: 1),
            try entry("mid", "/mid", selectors: ["unix:uid:\(uid)"], createdAt: 5),
            try entry("foreign", "/foreign", selectors: ["unix:uid:\(uid &+ 1)"]),
        ], federated: [federated])
        let response = try await withService(cache: cache) { client in
            try await client.fetchX509SVID(request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: Self.header)) { response in
                for try await message in response.messages { return message }
                throw RPCError(code: .internalError, message: "no message")
            }
        }
        #expect(response.svids.map(\.spiffeID) == ["spiffe://example.org/old", "spiffe://example.org/mid"])
        #expect(response.svids[0].hint == "web")
        #expect(response.svids.allSatisfy { $0.bundle == Data(ca.certificate.spiffeDERBytes) })
        #expect(Array(response.federatedBundles.keys) == ["spiffe://partner.org"])
        let svid = try X509SVID(chainDER: response.svids[0].x509Svid, privateKeyDER: response.svids[0].x509SvidKey)
        #expect(svid.id.string == "spiffe://example.org/old")
    }

    @Test("streams send at once, again on every change, and a cancelled client frees its subscription")
    func streaming() async throws {
        let first = try entry("a", "/a", selectors: ["unix:uid:\(uid)"])
        let cache = try makeCache([first])
        try await withService(cache: cache) { client in
            let (seen, sink) = AsyncStream<Int>.makeStream()
            let watcher = Task {
                try await client.fetchX509SVID(request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: Self.header)) { response in
                    for try await message in response.messages { sink.yield(message.svids.count) }
                }
            }
            var counts = seen.makeAsyncIterator()
            #expect(await counts.next() == 1)
            let second = try entry("b", "/b", selectors: ["unix:uid:\(uid)"])
            cache.apply(upserted: [second], deleted: [])
            cache.store([issue(second)])
            #expect(await counts.next() == 2)
            #expect(cache.changes.subscriberCount == 1)
            watcher.cancel()
            _ = await watcher.result
            let deadline = ContinuousClock.now + .seconds(5)
            while cache.changes.subscriberCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(cache.changes.subscriberCount == 0)
        }
    }

    @Test("1,000 concurrent bundle streams are held on one connection and all released")
    func thousandStreams() async throws {
        let cache = try makeCache([try entry("a", "/a", selectors: ["unix:uid:\(uid)"])])
        try await withService(cache: cache) { client in
            let opened = Counter()
            let streams = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<1000 {
                        group.addTask {
                            try await client.fetchX509Bundles(request: ClientRequest(message: WorkloadAPI_X509BundlesRequest(), metadata: Self.header)) { response in
                                for try await _ in response.messages { opened.increment() }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while opened.value < 1000, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(opened.value == 1000)
            #expect(cache.changes.subscriberCount == 1000)
            streams.cancel()
            _ = await streams.result
            let released = ContinuousClock.now + .seconds(10)
            while cache.changes.subscriberCount > 0, ContinuousClock.now < released { try await Task.sleep(for: .milliseconds(20)) }
            #expect(cache.changes.subscriberCount == 0)
        }
    }

    @Test("a caller without a matching entry gets PermissionDenied with SPIRE's message")
    func noIdentity() async throws {
        let cache = try makeCache([try entry("a", "/a", selectors: ["unix:uid:\(uid &+ 1)"])])
        try await withService(cache: cache) { client in
            await #expect {
                try await client.fetchX509SVID(request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: Self.header)) { response in
                    for try await _ in response.messages {}
                }
            } throws: { ($0 as? RPCError)?.code == .permissionDenied && ($0 as? RPCError)?.message == "no identity issued" }
            await #expect {
                _ = try await client.fetchJWTSVID(request: ClientRequest(message: WorkloadAPI_JWTSVIDRequest.with { $0.audience = ["x"] }, metadata: Self.header))
            } throws: { ($0 as? RPCError)?.code == .permissionDenied }
            await #expect {
                _ = try await client.fetchJWTSVID(request: ClientRequest(message: WorkloadAPI_JWTSVIDRequest(), metadata: Self.header))
            } throws: { ($0 as? RPCError)?.code == .invalidArgument && ($0 as? RPCError)?.message == "audience must be specified" }
            await #expect {
                try await client.fetchX509Bundles(request: ClientRequest(message: WorkloadAPI_X509BundlesRequest(), metadata: Self.header)) { response in
                    for try await _ in response.messages {}
                }
            } throws: { ($0 as? RPCError)?.code == .permissionDenied && ($0 as? RPCError)?.message == "no identity issued" }
        }
    }

    @Test("ValidateJWTSVID, as SPIRE's: a federated trust domain's token is accepted only for a caller whose entries federate with it; any caller may validate")
    func validateAgainstCallersFederation() async throws {
        let partner = try TrustDomain("partner.org")
        let key = try JWTSigningKey(P256.Signing.PrivateKey(), keyID: "partner-key")
        let federated = try SPIFFEBundle(
            x509Bundle: X509Bundle(trustDomain: partner, x509Authorities: []),
            jwtBundle: JWTBundle(trustDomain: partner, jwtAuthorities: [key.keyID: key.publicKey]))
        let token = try JWTSVID.sign(subject: SPIFFEID("spiffe://partner.org/client"), audience: ["bank"], expiresAt: Date() + 600, key: key).token
        func validate(federating: Bool) async throws -> String {
            let cache = try makeCache([try entry("a", "/a", selectors: ["unix:uid:\(uid)"], federatesWith: federating ? ["partner.org"] : [])], federated: [federated])
            return try await withService(cache: cache) { client in
                var request = WorkloadAPI_ValidateJWTSVIDRequest()
                request.audience = "bank"
                request.svid = token
                return try await client.validateJWTSVID(request: ClientRequest(message: request, metadata: Self.header)).spiffeID
            }
        }
        #expect(try await validate(federating: true) == "spiffe://partner.org/client")
        await #expect {
            _ = try await validate(federating: false)
        } throws: { ($0 as? RPCError)?.code == .invalidArgument }
    }

    @Test("allow_unauthenticated_verifiers: a caller without an entry gets this trust domain's X.509 and JWT bundles (no federated ones), still no SVID")
    func unauthenticatedVerifiers() async throws {
        let other = TestCA(trustDomain: try TrustDomain("partner.org"))
        let federated = try SPIFFEBundle(x509Bundle: X509Bundle(trustDomain: other.trustDomain, x509Authorities: [other.certificate]), jwtBundle: JWTBundle(trustDomain: other.trustDomain))
        let cache = try makeCache([try entry("a", "/a", selectors: ["unix:uid:\(uid &+ 1)"], federatesWith: ["partner.org"])], federated: [federated])
        try await withService(cache: cache, allowUnauthenticatedVerifiers: true) { client in
            let x509 = try await client.fetchX509Bundles(request: ClientRequest(message: WorkloadAPI_X509BundlesRequest(), metadata: Self.header)) { response in
                for try await message in response.messages { return message }
                throw RPCError(code: .internalError, message: "no message")
            }
            #expect(Array(x509.bundles.keys) == ["spiffe://example.org"])
            let jwt = try await client.fetchJWTBundles(request: ClientRequest(message: WorkloadAPI_JWTBundlesRequest(), metadata: Self.header)) { response in
                for try await message in response.messages { return message }
                throw RPCError(code: .internalError, message: "no message")
            }
            #expect(Array(jwt.bundles.keys) == ["spiffe://example.org"])
            await #expect {
                try await client.fetchX509SVID(request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: Self.header)) { response in
                    for try await _ in response.messages {}
                }
            } throws: { ($0 as? RPCError)?.code == .permissionDenied }
        }
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
