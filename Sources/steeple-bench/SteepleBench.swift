#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `steeple-bench`: prints benchmark figures.
///
/// Usage: `swift run -c release steeple-bench [core|transport|all] [--quick] [--markdown FILE]`. The group
/// defaults to `core` (the SPIFFE core library); `transport` compares gRPC server transports on a Unix socket.
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
            case "core", "transport": groups.insert(argument)
            case "all": groups.formUnion(["core", "transport"])
            default:
                print("unknown argument \(argument): expected core, transport, all, --quick or --markdown FILE")
                exit(2)
            }
        }
        if groups.isEmpty { groups = ["core"] }
        var runner = BenchmarkRunner(scale: scale)
        if groups.contains("core") {
            print(BenchmarkRunner.header)
            try await CoreBenchmarks.run(&runner)
        }
        if groups.contains("transport") {
            try await TransportBenchmarks.run(scale: scale)
        }
        if let markdownPath {
            try (runner.markdown() + "\n").write(toFile: markdownPath, atomically: true, encoding: .utf8)
        }
    }
}
