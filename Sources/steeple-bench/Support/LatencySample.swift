import Foundation
/// Sorted call durations with the percentiles the benchmark tables print.
struct LatencySample: Sendable {
    let sorted: [Duration]
    let elapsed: Duration

    init(_ samples: [Duration], elapsed: Duration) {
        sorted = samples.sorted()
        self.elapsed = elapsed
    }

    var count: Int { sorted.count }
    func percentile(_ p: Int) -> Duration { sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, sorted.count * p / 100)] }
    var p50: Duration { percentile(50) }
    var p99: Duration { percentile(99) }
    var max: Duration { sorted.last ?? .zero }
    var perSecond: Double { Double(count) / Self.seconds(elapsed) }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration) -> String { format(seconds(duration) * 1000, digits: 2) }
    static func microseconds(_ duration: Duration) -> String { format(seconds(duration) * 1e6, digits: 0) }

    static func format(_ value: Double, digits: Int) -> String {
        var scaled = (value * pow10(digits)).rounded() / pow10(digits)
        if scaled == -0 { scaled = 0 }
        if digits == 0 { return String(Int(scaled)) }
        let text = String(scaled)
        let parts = text.split(separator: ".")
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return parts[0] + "." + fraction.padding(toLength: digits, withPad: "0", startingAt: 0)
    }

    private static func pow10(_ digits: Int) -> Double { (0..<digits).reduce(1.0) { value, _ in value * 10 } }
}

/// Runs `calls` calls of `body` split over `concurrency` tasks and returns their durations.
func measureCalls(concurrency: Int, calls: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> LatencySample {
    let perTask = max(1, calls / concurrency)
    let clock = ContinuousClock()
    let start = clock.now
    let samples = try await withThrowingTaskGroup(of: [Duration].self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var samples: [Duration] = []
                samples.reserveCapacity(perTask)
                for _ in 0..<perTask {
                    let callStart = clock.now
                    try await body(worker)
                    samples.append(clock.now - callStart)
                }
                return samples
            }
        }
        var all: [Duration] = []
        for try await samples in group { all += samples }
        return all
    }
    return LatencySample(samples, elapsed: clock.now - start)
}
