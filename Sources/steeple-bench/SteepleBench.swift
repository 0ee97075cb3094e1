#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `steeple-bench`: prints benchmark figures.
///
/// Usage: `swift run -c release steeple-bench [core|transport|issuance|workload|propagation|mesh|spire|federation|postgres|recovery|footprint|kubernetes|all|scale|coldstart|soak]
/// [--quick] [--markdown FILE] [--agents N] [--entries M[,M2…]] [--groups G] [--keep-data DIR]`. The group defaults to `core` (the SPIFFE
/// core library); `transport` compares gRPC server transports on a Unix socket; `issuance` is the CA's signing rate;
/// `workload`, `propagation`, `mesh` (Envoy SDS and Delegated Identity), `recovery` (server restarts) and `footprint` start a real server and agents (release binaries next to steeple-bench).
/// `postgres` runs two servers on one PostgreSQL (a throwaway server `scripts/postgres-throwaway` starts, or
/// `STEEPLE_POSTGRES_URL`): propagation across servers, admin writes/s, cold start over 1,000,000 entries.
/// `--quick` runs 1 % of the iterations and the smallest sizes (a smoke run for CI: its figures mean nothing);
/// `--markdown FILE` writes the tables of the groups that ran as Markdown, after a table of issue #6's targets.
///
/// `scale` and `coldstart` (part of `all`) start real `steeple-server` processes (found next to this executable):
/// `scale` simulates N agents (default 1,000) syncing M entries (default 100,000, the first `--entries` value) spread
/// over G node aliases (default 100); `coldstart` times server starts over datastores of each `--entries` size
/// (default 100,000 and 1,000,000).
///
/// `soak` (not part of `all`: 30 minutes) holds `--streams N` (1,000) Workload API streams against a real agent for
/// `--minutes M` (30) with a 60 s X509-SVID TTL, counting errors and expired SVIDs and sampling RSS.
@main
struct SteepleBench {
    static func main() async throws {
        var arguments = CommandLine.arguments.dropFirst()
        // The Workload API group's out-of-process echo (not a benchmark group).
        if arguments.first == "echo-server", let socket = arguments.dropFirst().first {
            try await EchoServerProcess.serve(socketPath: socket)
            return
        }
        var scale = 1.0
        var markdownPath: String?
        var groups: Set<String> = []
        var scaleOptions = ScaleBenchmark.Options()
        var entryCounts: [Int]?
        var keptDataDirectory: String?
        var soakOptions = SoakBenchmark.Options()
        func number(_ name: String) -> Int {
            guard let text = arguments.popFirst(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
                print("\(name) expects a positive number")
                exit(2)
            }
            return value
        }
        while let argument = arguments.popFirst() {
            switch argument {
            case "--quick": scale = 0.01
            case "--markdown": markdownPath = arguments.popFirst()
            case "core", "transport", "issuance", "workload", "propagation", "mesh", "spire", "federation", "postgres", "recovery", "footprint", "scale", "coldstart", "soak", "kubernetes": groups.insert(argument)
            case "--minutes":
                guard let text = arguments.popFirst(), let minutes = Double(text), minutes > 0 else {
                    print("--minutes expects a positive number")
                    exit(2)
                }
                soakOptions.minutes = minutes
            case "--streams": soakOptions.streams = number(argument)
            case "all": groups.formUnion(["core", "transport", "issuance", "workload", "propagation", "mesh", "spire", "federation", "postgres", "recovery", "footprint", "kubernetes", "scale", "coldstart"])
            case "--agents": scaleOptions.agents = number(argument)
            case "--groups": scaleOptions.groups = number(argument)
            case "--keep-data": keptDataDirectory = arguments.popFirst()
            case "--entries":
                let counts = (arguments.popFirst() ?? "").split(separator: ",").map { Int($0.replacingOccurrences(of: "_", with: "")) }
                guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                    print("--entries expects positive numbers separated by commas")
                    exit(2)
                }
                entryCounts = counts.compactMap { $0 }
            default:
                print("unknown argument \(argument): expected core, transport, issuance, workload, propagation, mesh, spire, federation, postgres, recovery, footprint, kubernetes, all, scale, coldstart, soak, --quick, --minutes M, --streams N, --markdown FILE, --agents N, --entries M[,M…], --groups G or --keep-data DIR")
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
        if groups.contains("issuance") { try await AuthenticationBenchmark.run(scale: scale, report: report) }
        if groups.contains("workload") { try await WorkloadAPIBenchmarks.run(scale: scale, report: report) }
        if groups.contains("propagation") { try await PropagationBenchmarks.run(scale: scale, report: report) }
        if groups.contains("mesh") { try await MeshBenchmarks.run(scale: scale, report: report) }
        if groups.contains("spire") { try await SPIREAPIBenchmarks.run(scale: scale, report: report) }
        if groups.contains("federation") { try await FederationBenchmark.run(scale: scale, report: report) }
        if groups.contains("postgres") { try await PostgresBenchmark.run(scale: scale, report: report) }
        if groups.contains("recovery") { try await RecoveryBenchmark.run(scale: scale, report: report) }
        if groups.contains("footprint") { try await FootprintBenchmarks.run(scale: scale, report: report) }
        if groups.contains("kubernetes") { try await KubernetesBenchmarks.run(scale: scale, report: report) }
        if scale < 1 {
            // A smoke run: the same code paths at a size that takes seconds.
            scaleOptions.agents = min(scaleOptions.agents, 10)
            scaleOptions.entries = min(scaleOptions.entries, 1000)
            scaleOptions.groups = min(scaleOptions.groups, 10)
        }
        if groups.contains("scale") {
            if let first = entryCounts?.first { scaleOptions.entries = first }
            BenchOutput.beginCapture()
            try await ScaleBenchmark.run(scaleOptions, report: report)
            let lines = BenchOutput.endCapture()
            report.addRaw("## Scale\n\n" + ScaleBenchmark.description + "\n\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n")
        }
        if groups.contains("coldstart") {
            let counts = entryCounts ?? (scale < 1 ? [1000] : [100_000, 1_000_000])
            BenchOutput.beginCapture()
            try await ColdStartBenchmark.run(entryCounts: counts, groups: scaleOptions.groups, keepDataIn: keptDataDirectory, report: report)
            let lines = BenchOutput.endCapture()
            report.addRaw("## Cold start\n\n" + ColdStartBenchmark.description + "\n\n" + lines.map { "- " + $0 }.joined(separator: "\n") + "\n")
        }
        if groups.contains("soak") {
            if scale < 1 {
                soakOptions.streams = min(soakOptions.streams, 20)
                soakOptions.minutes = min(soakOptions.minutes, 0.25)
                soakOptions.ttlSeconds = 6
            }
            try await SoakBenchmark.run(soakOptions, report: report)
        }
        if let markdownPath {
            try (report.text + "\n").write(toFile: markdownPath, atomically: true, encoding: .utf8)
        }
    }
}
