import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// gRPC over a Unix socket: the stock `HTTP2ServerTransport.Posix` against our `UnixServerTransport`, both
/// driven by grpc-swift-2's stock Posix client over one connection. Prints unary echo latency (p50/p99) and
/// throughput at concurrency 1 and 8, and how many fetch-first-message-then-cancel calls (one RST_STREAM each,
/// py-spiffe's fetch_x509_svid pattern) one connection survives. Never asserts.
enum TransportBenchmarks {
    struct LatencyRow {
        var transport: String
        var concurrency: Int
        var calls: Int
        var p50Microseconds: Double
        var p99Microseconds: Double
        var callsPerSecond: Double
    }

    static func run(scale: Double, report: MarkdownReport) async throws {
        let calls = max(20, Int(20_000 * scale))
        let cancels = scale < 1 ? 300 : 1000
        var rows: [LatencyRow] = []
        var resets: [(String, String)] = []
        for kind in ["stock HTTP2ServerTransport.Posix", "UnixServerTransport"] {
            let path = "/tmp/steeple-bench-\(getpid())-\(kind.hasPrefix("stock") ? "stock" : "unix").sock"
            try await withServer(kind: kind, path: path) {
                try await withGRPCClient(
                    transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
                ) { client in
                    for _ in 0..<max(10, calls / 20) { _ = try await echo(client) }  // warm-up
                    for concurrency in [1, 8] {
                        rows.append(try await latency(client, transport: kind, concurrency: concurrency, calls: calls))
                    }
                }
                // A fresh connection for the reset test, so the warm-up's streams don't count.
                let outcome = try await withGRPCClient(
                    transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: path), transportSecurity: .plaintext)
                ) { client -> String in
                    for index in 0..<cancels {
                        do {
                            _ = try await fetchFirstThenCancel(client)
                        } catch {
                            return "disconnected at call \(index + 1) (\((error as? RPCError)?.code.description ?? "\(error)"))"
                        }
                    }
                    return "survived \(cancels) of \(cancels)"
                }
                resets.append((kind, outcome))
            }
        }

        print("")
        print(pad("transport (unary echo, 16 B, one connection)", 48) + pad("conc.", 7) + pad("calls", 8) + pad("p50 µs", 10) + pad("p99 µs", 10) + "calls/s")
        for row in rows {
            print(pad(row.transport, 48) + pad(String(row.concurrency), 7) + pad(String(row.calls), 8)
                + pad(format(row.p50Microseconds), 10) + pad(format(row.p99Microseconds), 10) + format(row.callsPerSecond))
        }
        print("")
        print(pad("transport (fetch first message, then cancel)", 48) + "outcome")
        for (kind, outcome) in resets { print(pad(kind, 48) + outcome) }
        report.add(
            "gRPC transports on a Unix socket",
            intro: "Unary echo (16 B) over one connection with grpc-swift-2's client: the stock `HTTP2ServerTransport.Posix` against our `UnixServerTransport`, and how many fetch-first-then-cancel calls (py-spiffe's `fetch_x509_svid` pattern) one connection survives.",
            header: ["transport", "concurrency", "calls", "p50 µs", "p99 µs", "calls/s"],
            rows: rows.map { [$0.transport, String($0.concurrency), String($0.calls), format($0.p50Microseconds), format($0.p99Microseconds), format($0.callsPerSecond)] }
                + resets.map { ["\($0.0): fetch-and-cancel", "1", "", "", "", $0.1] })
    }

    private static func withServer(kind: String, path: String, _ body: () async throws -> Void) async throws {
        let services: [any RegistrableRPCService] = [BenchEchoService()]
        if kind.hasPrefix("stock") {
            let server = GRPCServer(
                transport: HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext),
                services: services)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                _ = try await server.listeningAddress
                try await body()
                group.cancelAll()
            }
            unlink(path)
        } else {
            let transport = UnixServerTransport(
                configuration: .init(socketPath: path), logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
            let server = GRPCServer(transport: transport, services: services)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.serve() }
                try await transport.waitUntilListening()
                try await body()
                group.cancelAll()
            }
        }
    }

    private static let payload = [UInt8](repeating: 0x5A, count: 16)

    private static func echo<T: ClientTransport>(_ client: GRPCClient<T>) async throws -> [UInt8] {
        try await client.unary(
            request: ClientRequest(message: payload), descriptor: BenchEchoService.unary,
            serializer: BenchBytesCoder(), deserializer: BenchBytesCoder(), options: .defaults
        ) { try $0.message }
    }

    private static func fetchFirstThenCancel<T: ClientTransport>(_ client: GRPCClient<T>) async throws -> [UInt8]? {
        try await client.serverStreaming(
            request: ClientRequest(message: payload), descriptor: BenchEchoService.hold,
            serializer: BenchBytesCoder(), deserializer: BenchBytesCoder(), options: .defaults
        ) { response in
            for try await message in response.messages { return message }
            return nil
        }
    }

    private static func latency<T: ClientTransport>(
        _ client: GRPCClient<T>, transport: String, concurrency: Int, calls: Int
    ) async throws -> LatencyRow {
        let perTask = calls / concurrency
        let clock = ContinuousClock()
        let start = clock.now
        let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [Duration] = []
                    samples.reserveCapacity(perTask)
                    for _ in 0..<perTask {
                        let callStart = clock.now
                        _ = try await echo(client)
                        samples.append(clock.now - callStart)
                    }
                    return samples
                }
            }
            var all: [Duration] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let elapsed = clock.now - start
        return LatencyRow(
            transport: transport, concurrency: concurrency, calls: samples.count,
            p50Microseconds: microseconds(samples[samples.count / 2]),
            p99Microseconds: microseconds(samples[min(samples.count - 1, samples.count * 99 / 100)]),
            callsPerSecond: Double(samples.count) / (microseconds(elapsed) / 1e6))
    }

    private static func microseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private static func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String((value * 10).rounded() / 10)
    }
}
