import Foundation
import SteepleTestSupport
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import Logging
import SPIFFEWorkloadAPIProto

/// Workload API latency and throughput against a real agent (release build), from Swift clients (grpc-swift-2, one
/// connection each) and from py-spiffe (one process each), at 1, 8 and 64 concurrent clients; next to a bare gRPC echo
/// on the same transport (`UnixServerTransport`), the floor any RPC on this socket pays.
enum WorkloadAPIBenchmarks {
    typealias Stub = WorkloadAPI_SpiffeWorkloadAPI.Client<HTTP2ClientTransport.Posix>
    static let header: Metadata = ["workload.spiffe.io": "true"]
    static let concurrencies = [1, 8, 64]

    static func run(scale: Double, report: MarkdownReport) async throws {
        let calls = scale < 1 ? 128 : 3200
        let domain = try BenchTrustDomain(agentCount: 1)
        var rows: [[String]] = []
        var fetchP99: [Int: Duration] = [:]
        do {
            try await domain.start()
            let agent = domain.agents[0]
            _ = try await domain.withAdmin { admin in
                try await BenchTrustDomain.createEntries(admin, [("spiffe://example.org/bench", "unix:uid:\(getuid())")])
            }
            for _ in 0..<100 where try await agent.cli(["api", "fetch", "x509"]).status != 0 {
                try await Task.sleep(for: .milliseconds(50))
            }
            let agentPID = agent.pid ?? 0
            for concurrency in concurrencies {
                try await withClients(count: concurrency, socket: agent.socketPath) { clients in
                    let stubs = clients.map { Stub(wrapping: $0) }
                    for stub in stubs { try await fetchX509(stub); _ = try await fetchJWT(stub) }  // warm-up, JWT cached
                    let cpuBefore = ProcessFigures.read(pid: agentPID)?.cpuSeconds ?? 0
                    let x509 = try await measureCalls(concurrency: concurrency, calls: calls) { try await fetchX509(stubs[$0]) }
                    let cpuX509 = (ProcessFigures.read(pid: agentPID)?.cpuSeconds ?? 0) - cpuBefore
                    let jwt = try await measureCalls(concurrency: concurrency, calls: calls) { _ = try await fetchJWT(stubs[$0]) }
                    fetchP99[concurrency] = x509.p99
                    rows.append(row("Swift", "FetchX509SVID (first message, cancel)", concurrency, x509, cpuPerCall: cpuX509 / Double(x509.count)))
                    rows.append(row("Swift", "FetchJWTSVID (cached token)", concurrency, jwt, cpuPerCall: nil))
                }
            }
            rows += pySPIFFE(socket: agent.socketPath, calls: calls)
            await domain.stop()
        } catch {
            await domain.stop()
            throw error
        }
        let echo = try await bareEcho(calls: calls)
        rows += echo.rows
        let ratios = concurrencies.compactMap { clients -> (Int, Double)? in
            guard let fetch = fetchP99[clients], let floor = echo.p99[clients], floor > .zero else { return nil }
            return (clients, LatencySample.seconds(fetch) / LatencySample.seconds(floor))
        }
        for (name, floors) in [("own-process unary echo", echo.ownProcessUnaryP99), ("own-process stream echo", echo.ownProcessStreamP99)] {
            let against = concurrencies.compactMap { clients -> String? in
                guard let fetch = fetchP99[clients], let floor = floors[clients], floor > .zero else { return nil }
                return "\(LatencySample.format(LatencySample.seconds(fetch) / LatencySample.seconds(floor), digits: 2))× at \(clients)"
            }
            print("FetchX509SVID p99 against the \(name): \(against.joined(separator: ", "))")
        }
        if let worst = ratios.max(by: { $0.1 < $1.1 }) {
            report.target(
                "Workload API", goal: "Swift FetchX509SVID p99 within 2× the bare gRPC echo",
                figure: ratios.map { "\(LatencySample.format($0.1, digits: 2))× at \($0.0)" }.joined(separator: ", "),
                met: worst.1 <= 2, obstacle: "at \(worst.0) clients")
            report.target(
                "Workload API (issue #20)", goal: "Swift FetchX509SVID p99 ≤ 1.2× the bare gRPC echo at 1, 8 and 64 clients",
                figure: ratios.map { "\(LatencySample.format($0.1, digits: 2))× at \($0.0)" }.joined(separator: ", "),
                met: worst.1 <= 1.2,
                obstacle: "at \(worst.0) clients: the handler's work (workload attestation from /proc, the cached SVID's message) on top of the echo's, on two cores shared with the clients")
        }
        let header = ["client", "RPC", "clients", "calls", "p50 ms", "p99 ms", "max ms", "calls/s", "agent CPU µs/call"]
        printTable("Workload API (agent on UnixServerTransport; bare echo = same transport, no work)", header: header, rows: rows)
        report.add("Workload API", intro: "A real agent (release) serving one caller identity; Swift clients use one HTTP/2 connection each, py-spiffe one process each. FetchX509SVID is py-spiffe's fetch_x509_svid pattern: read the first message, cancel the stream. The bare echo is a unary call on the same transport with no handler work: the floor.", header: header, rows: rows)
    }

    static func row(_ client: String, _ rpc: String, _ concurrency: Int, _ sample: LatencySample, cpuPerCall: Double?) -> [String] {
        [client, rpc, String(concurrency), String(sample.count), LatencySample.milliseconds(sample.p50), LatencySample.milliseconds(sample.p99),
         LatencySample.milliseconds(sample.max), LatencySample.format(sample.perSecond, digits: 0),
         cpuPerCall.map { LatencySample.format($0 * 1e6, digits: 0) } ?? "–"]
    }

    static func fetchX509(_ stub: Stub) async throws {
        try await stub.fetchX509SVID(request: ClientRequest(message: WorkloadAPI_X509SVIDRequest(), metadata: header)) { response in
            for try await _ in response.messages { return }
        }
    }

    static func fetchJWT(_ stub: Stub) async throws -> WorkloadAPI_JWTSVIDResponse {
        var request = WorkloadAPI_JWTSVIDRequest()
        request.audience = ["bench"]
        return try await stub.fetchJWTSVID(request: ClientRequest(message: request, metadata: header))
    }

    /// `count` gRPC clients, each with its own connection to `socket`.
    static func withClients<T: Sendable>(
        count: Int, socket: String, _ body: ([GRPCClient<HTTP2ClientTransport.Posix>]) async throws -> T
    ) async throws -> T {
        let clients = try (0..<count).map { _ in
            GRPCClient(transport: try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext))
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients { group.addTask { try await client.runConnections() } }
            defer { for client in clients { client.beginGracefulShutdown() } }
            return try await body(clients)
        }
    }

    /// The floors: a unary echo served inside this process (the floor issue #6 set), and, served by a process of its
    /// own as the agent is, a unary echo and a stream that sends one message and is cancelled once it arrived
    /// (FetchX509SVID's shape without its work).
    static func bareEcho(calls: Int) async throws -> (rows: [[String]], p99: [Int: Duration], ownProcessUnaryP99: [Int: Duration], ownProcessStreamP99: [Int: Duration]) {
        let path = "/tmp/steeple-bench-\(getpid())/echo.sock"
        let transport = UnixServerTransport(configuration: .init(socketPath: path), logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let server = GRPCServer(transport: transport, services: [BenchEchoService()])
        var rows: [[String]] = []
        var p99: [Int: Duration] = [:]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await transport.waitUntilListening()
            defer { group.cancelAll() }
            for concurrency in concurrencies {
                let sample = try await withClients(count: concurrency, socket: path) { clients in
                    for client in clients { _ = try await echo(client) }
                    return try await measureCalls(concurrency: concurrency, calls: calls) { _ = try await echo(clients[$0]) }
                }
                p99[concurrency] = sample.p99
                rows.append(row("Swift", "bare echo (unary, 16 B)", concurrency, sample, cpuPerCall: nil))
            }
        }
        let ownPath = "/tmp/steeple-bench-\(getpid())/echo-process.sock"
        let echoServer = try await EchoServerProcess.start(socketPath: ownPath)
        defer { EchoServerProcess.stop(echoServer) }
        var unaryP99: [Int: Duration] = [:]
        var streamP99: [Int: Duration] = [:]
        for concurrency in concurrencies {
            try await withClients(count: concurrency, socket: ownPath) { clients in
                for client in clients { _ = try await echo(client); try await firstThenCancel(client) }
                let cpuBefore = ProcessFigures.read(pid: echoServer.process.processIdentifier)?.cpuSeconds ?? 0
                let unary = try await measureCalls(concurrency: concurrency, calls: calls) { _ = try await echo(clients[$0]) }
                let cpuUnary = (ProcessFigures.read(pid: echoServer.process.processIdentifier)?.cpuSeconds ?? 0) - cpuBefore
                let stream = try await measureCalls(concurrency: concurrency, calls: calls) { try await firstThenCancel(clients[$0]) }
                let cpuStream = (ProcessFigures.read(pid: echoServer.process.processIdentifier)?.cpuSeconds ?? 0) - cpuBefore - cpuUnary
                unaryP99[concurrency] = unary.p99
                streamP99[concurrency] = stream.p99
                rows.append(row("Swift", "bare echo, own process (unary, 16 B)", concurrency, unary, cpuPerCall: cpuUnary / Double(unary.count)))
                rows.append(row("Swift", "bare echo, own process (stream: first message, cancel)", concurrency, stream, cpuPerCall: cpuStream / Double(stream.count)))
            }
        }
        return (rows, p99, unaryP99, streamP99)
    }

    static func firstThenCancel(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws {
        try await client.serverStreaming(
            request: ClientRequest(message: [UInt8](repeating: 7, count: 16)), descriptor: BenchEchoService.hold,
            serializer: BenchBytesCoder(), deserializer: BenchBytesCoder(), options: .defaults
        ) { response in
            for try await _ in response.messages { return }
        }
    }

    static func echo(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async throws -> [UInt8] {
        try await client.unary(
            request: ClientRequest(message: [UInt8](repeating: 7, count: 16)), descriptor: BenchEchoService.unary,
            serializer: BenchBytesCoder(), deserializer: BenchBytesCoder(), options: .defaults
        ) { try $0.message }
    }

    /// py-spiffe's figures, when a Python with `spiffe` is available (scripts/test makes .build/interop-venv).
    static func pySPIFFE(socket: String, calls: Int) -> [[String]] {
        let python = ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] ?? FileManager.default.currentDirectoryPath + "/.build/interop-venv/bin/python"
        let script = FileManager.default.currentDirectoryPath + "/Tests/Interop/pyspiffe_bench.py"
        guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else {
            print("(py-spiffe rows skipped: no \(python); run scripts/test once to install it)")
            return []
        }
        var rows: [[String]] = []
        for concurrency in concurrencies {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script, socket, String(concurrency), String(max(1, calls / concurrency))]
            let pipe = Pipe()
            process.standardOutput = pipe
            guard (try? process.run()) != nil else { continue }
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            for line in output.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 6, let count = Double(fields[1]), let elapsed = Double(fields[2]) else { continue }
                let rpc = fields[0] == "FetchX509SVID" ? "fetch_x509_svid" : "fetch_jwt_svid"
                rows.append(["py-spiffe", rpc, String(concurrency), String(Int(count)), String(fields[3]), String(fields[4]), String(fields[5]),
                             LatencySample.format(count / elapsed, digits: 0), "–"])
            }
        }
        return rows
    }
}
