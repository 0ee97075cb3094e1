/// Times closures with a monotonic clock and prints one row per benchmark. Deliberately tiny: the numbers are
/// operations per second and nanoseconds per operation over a fixed iteration count after a warm-up, which is
/// what the hot paths of the core library need; no timing is ever asserted.
struct BenchmarkRunner {
    struct Result {
        let name: String
        let iterations: Int
        let nanosecondsPerOperation: Double
        var operationsPerSecond: Double { 1e9 / nanosecondsPerOperation }
    }

    /// Multiplies every iteration count (0.01 for a smoke run in CI).
    let scale: Double
    private(set) var results: [Result] = []

    init(scale: Double) {
        self.scale = scale
    }

    mutating func measure(_ name: String, iterations: Int, _ body: () throws -> Void) rethrows {
        let count = max(1, Int(Double(iterations) * scale))
        for _ in 0..<max(1, count / 10) { try body() }
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { try body() }
        record(name, count: count, elapsed: clock.now - start)
    }

    mutating func measure(_ name: String, iterations: Int, _ body: () async throws -> Void) async rethrows {
        let count = max(1, Int(Double(iterations) * scale))
        for _ in 0..<max(1, count / 10) { try await body() }
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { try await body() }
        record(name, count: count, elapsed: clock.now - start)
    }

    private mutating func record(_ name: String, count: Int, elapsed: Duration) {
        let (seconds, attoseconds) = elapsed.components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        let result = Result(name: name, iterations: count, nanosecondsPerOperation: nanoseconds / Double(count))
        results.append(result)
        print(Self.row(result))
    }

    static let header = pad("benchmark", 44) + pad("iterations", 12) + pad("ns/op", 14) + "ops/s"

    static func row(_ r: Result) -> String {
        pad(r.name, 44) + pad(String(r.iterations), 12) + pad(format(r.nanosecondsPerOperation), 14)
            + format(r.operationsPerSecond)
    }

    /// A Markdown table of the results, for docs/benchmarks.md.
    func markdown() -> String {
        var lines = ["| benchmark | iterations | ns/op | ops/s |", "|---|---:|---:|---:|"]
        for r in results {
            lines.append("| \(r.name) | \(r.iterations) | \(Self.format(r.nanosecondsPerOperation)) | \(Self.format(r.operationsPerSecond)) |")
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return value >= 100 ? String(Int(value.rounded())) : String(rounded)
    }
}
