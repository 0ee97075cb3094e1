import Foundation
import Logging
import NIOHTTP1
import NIOSSL
import SteepleHTTP
import Testing
@testable import SteepleTelemetry

/// The health listener shared by the server and the agent: what it answers to which request, its JSON, and a real
/// socket (served, taken, released).
@Suite("health listener")
struct HealthListenerTests {
    /// Live, and not ready for a reason that needs escaping.
    struct FixedReporter: HealthReporter {
        var live = HealthState(healthy: true)
        var ready = HealthState(details: [.init("agent", "ok"), .init("sync", "not \"yet\"\n")])

        func liveness() async -> HealthState { live }
        func readiness() async -> HealthState { ready }
    }

    @Test("the JSON body: the flag first, then each part in order, strings escaped")
    func json() {
        #expect(HealthState(healthy: true).json(flag: "live") == #"{"live":true}"#)
        let state = HealthState(details: [.init("datastore", "ok"), .init("ca", "expired \"at\" \\ noon\n\u{1}")])
        #expect(!state.healthy)
        #expect(state.json(flag: "ready") == #"{"ready":false,"datastore":"ok","ca":"expired \"at\" \\ noon\n\u0001"}"#)
        #expect(HealthState(details: [.init("a", "ok"), .init("b", "ok")]).healthy)
    }

    @Test("GET (or HEAD) of live_path and ready_path: 200 when healthy, 500 when not; another method 405; another path 404", arguments: [
        (HTTPMethod.GET, "/live", HTTPResponseStatus.ok, #"{"live":true}"#),
        (.GET, "/ready", .internalServerError, #"{"ready":false,"agent":"ok","sync":"not \"yet\"\n"}"#),
        (.GET, "/ready?verbose=1", .internalServerError, #"{"ready":false,"agent":"ok","sync":"not \"yet\"\n"}"#),
        (.HEAD, "/live", .ok, #"{"live":true}"#),
        (.POST, "/live", .methodNotAllowed, #"{"error":"method not allowed: use GET"}"#),
        (.DELETE, "/ready", .methodNotAllowed, #"{"error":"method not allowed: use GET"}"#),
        (.GET, "/", .notFound, #"{"error":"not found"}"#),
        (.GET, "/live/", .notFound, #"{"error":"not found"}"#),
        (.POST, "/nope", .notFound, #"{"error":"not found"}"#),
    ])
    func routes(method: HTTPMethod, uri: String, status: HTTPResponseStatus, body: String) async {
        let answer = await HealthRouter(configuration: HealthCheckConfiguration()).answer(method: method, uri: uri, FixedReporter())
        #expect(answer.status == status, "\(method) \(uri)")
        #expect(answer.body == body, "\(method) \(uri)")
    }

    @Test("live_path and ready_path are the configured ones: the defaults are then 404")
    func configuredPaths() async {
        var configuration = HealthCheckConfiguration()
        configuration.livePath = "/healthz"
        configuration.readyPath = "/readyz"
        let router = HealthRouter(configuration: configuration)
        let reporter = FixedReporter(ready: HealthState(healthy: true))
        #expect(await router.answer(method: .GET, uri: "/healthz", reporter).status == .ok)
        #expect(await router.answer(method: .GET, uri: "/readyz", reporter).body == #"{"ready":true}"#)
        #expect(await router.answer(method: .GET, uri: "/live", reporter).status == .notFound)
        #expect(await router.answer(method: .GET, uri: "/ready", reporter).status == .notFound)
    }

    @Test("over a real socket: answers each request; a second bind of the port fails naming it; cancelled, the port is free again")
    func socket() async throws {
        var configuration = HealthCheckConfiguration()
        configuration.listenerEnabled = true
        configuration.bindAddress = "127.0.0.1"
        configuration.bindPort = 0
        let logger = Logger(label: "health-test")
        let listener = try await HealthListener.bind(configuration, logger: logger)
        #expect(listener.port > 0)
        let serving = Task { try await listener.serve(FixedReporter()) }

        let live = try await Self.get(listener.port, "/live")
        #expect(live.status == 200)
        #expect(String(decoding: live.body, as: UTF8.self) == #"{"live":true}"#)
        let ready = try await Self.get(listener.port, "/ready")
        #expect(ready.status == 500)
        #expect(String(decoding: ready.body, as: UTF8.self) == #"{"ready":false,"agent":"ok","sync":"not \"yet\"\n"}"#)
        #expect(try await Self.get(listener.port, "/elsewhere").status == 404)

        var taken = configuration
        taken.bindPort = listener.port
        await #expect {
            _ = try await HealthListener.bind(taken, logger: logger)
        } throws: { error in
            let message = (error as? HealthListenerError)?.message ?? ""
            return message.hasPrefix("health_checks cannot listen on 127.0.0.1:\(listener.port): ") && message.contains("health_checks.bind_port")
        }

        serving.cancel()
        try await serving.value
        // Another test's client may happen to hold the port as its ephemeral source port for a moment once the listener
        // has let it go; a listener that kept it would hold it for every attempt.
        var again: HealthListener?
        var lastError: (any Error)?
        for _ in 0..<50 where again == nil {
            do {
                again = try await HealthListener.bind(taken, logger: logger)
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let rebound = try #require(again, "the port was not free again within 5 s: \(String(describing: lastError))")
        #expect(rebound.port == listener.port)
        let second = Task { try await rebound.serve(FixedReporter()) }
        #expect(try await Self.get(rebound.port, "/live").status == 200)
        second.cancel()
        try await second.value
    }

    static func get(_ port: Int, _ path: String) async throws -> HTTPGet.Response {
        var request = HTTPGet(url: URL(string: "http://127.0.0.1:\(port)\(path)")!, transport: .network(tls: .makeClientConfiguration()))
        request.timeout = .seconds(10)
        return try await request.run()
    }
}
