#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `steeple-bench`: prints benchmark figures.
///
/// Usage: `swift run -c release steeple-bench [core|transport|issuance|workload|propagation|footprint|all] [--quick]
/// [--markdown FILE]`. The group defaults to `core` (the SPIFFE core library); `transport` compares gRPC server
/// transports on a Unix socket; `issuance` is the CA's signing rate; `workload`, `propagation` and `footprint` start a
/// real server and agents (release binaries next to steeple-bench).
/// `--quick` runs 1 % of the iterations (a smoke run for CI: its figures mean nothing); `--markdown FILE` also
/// writes the core results as a Markdown table.
@main
struct SteepleBench {
    static func main() async throws {
        var arguments = CommandLine.arguments.dropFirst()
        var scale = 1.0
        var markdownPath: String?
        var groups: Set<String> = []
        while let argument = arguments.popFirst() {
            switch argument {
            case "--quick": scale = 0.01
            case "--markdown": markdownPath = arguments.popFirst()
            case "core", "transport", "issuance", "workload", "propagation", "footprint": groups.insert(argument)
            case "all": groups.formUnion(["core", "transport", "issuance", "workload", "propagation", "footprint"])
            default:
                print("unknown argument \(argument): expected core, transport, issuance, workload, propagation, footprint, all, --quick or --markdown FILE")
                exit(2)
            }
        }
        if groups.isEmpty { groups = ["core"] }
        var runner = BenchmarkRunner(scale: scale)
        let report = MarkdownReport()
        if groups.contains("core") {
            print(BenchmarkRunner.header)
            try await CoreBenchmarks.run(&runner)
            report.addRaw("## Core library (single thread)\n\n" + runner.markdown() + "\n")
        }
        if groups.contains("transport") {
            try await TransportBenchmarks.run(scale: scale, report: report)
        }
        if groups.contains("issuance") { try await IssuanceBenchmarks.run(scale: scale, report: report) }
        if groups.contains("workload") { try await WorkloadAPIBenchmarks.run(scale: scale, report: report) }
        if groups.contains("propagation") { try await PropagationBenchmarks.run(scale: scale, report: report) }
        if groups.contains("footprint") { try await FootprintBenchmarks.run(scale: scale, report: report) }
        if let markdownPath {
            try (report.text + "\n").write(toFile: markdownPath, atomically: true, encoding: .utf8)
        }
    }
}
