import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's `log_file` / `-logFile` and `log_source_location` / `-logSourceLocation` on the real executables.
@Suite("log_file and log_source_location on the real executables")
struct LogFileEndToEndTests {
    private static func directory() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("steeple-logfile-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("steeple-server run -logFile -logSourceLocation: lines go to the file, appended, each naming its source; none to stderr")
    func server() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("server.conf").path
        try """
            server {
                trust_domain = "example.org"
                data_dir = "\(dir.path)/data"
                bind_port = "\(try freeTCPPort())"
                socket_path = "\(dir.path)/api.sock"
            }
            plugins { KeyManager "memory" {} }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("server.log").path
        try "an earlier line\n".write(toFile: log, atomically: true, encoding: .utf8)
        let server = try ChildProcess(
            ["run", "-config", config, "-logFile", log, "-logSourceLocation"], executable: try builtExecutable("steeple-server"), in: dir)
        defer { server.stop() }
        var text = ""
        for _ in 0..<300 where !text.contains("listening") {
            try await Task.sleep(for: .milliseconds(50))
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        #expect(text.hasPrefix("an earlier line\n"), "the file was not appended to")
        #expect(text.contains("listening"), "log file:\n\(text)\nstdout/stderr:\n\(server.output)")
        let listening = text.split(separator: "\n").first { $0.contains("listening") } ?? ""
        #expect(listening.contains("file=") && listening.contains(".swift:") && listening.contains("func="), "\(listening)")
        #expect(!server.output.contains("listening"), "log lines also went to stderr: \(server.output)")
    }

    @Test("a log_file that cannot be opened stops either executable at start, naming the path", arguments: ["steeple-server", "steeple-agent"])
    func unopenable(_ executable: String) async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("\(executable).conf").path
        let body = executable == "steeple-server"
            ? "server {\n trust_domain = \"example.org\"\n data_dir = \"\(dir.path)/data\"\n socket_path = \"\(dir.path)/api.sock\"\n log_file = \"\(dir.path)/missing/dir/x.log\"\n}\n"
            : "agent {\n trust_domain = \"example.org\"\n insecure_bootstrap = true\n data_dir = \"\(dir.path)/data\"\n socket_path = \"\(dir.path)/api.sock\"\n log_file = \"\(dir.path)/missing/dir/x.log\"\n}\n"
        try body.write(toFile: config, atomically: true, encoding: .utf8)
        let output = try await runBuiltExecutable(executable, ["run", "-config", config])
        #expect(output.status == 1)
        #expect(output.stderr.contains("cannot open log_file \"\(dir.path)/missing/dir/x.log\""), "stderr: \(output.stderr)")
    }

    @Test("steeple-agent run with log_file = …: its lines go to the file")
    func agent() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("agent.conf").path
        let log = dir.appendingPathComponent("agent.log").path
        try """
            agent {
                trust_domain = "example.org"
                insecure_bootstrap = true
                server_port = "\(try freeTCPPort())"
                data_dir = "\(dir.path)/data"
                socket_path = "\(dir.path)/api.sock"
                log_file = "\(log)"
                log_format = "json"
                log_source_location = true
            }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let agent = try ChildProcess(["run", "-config", config, "-joinToken", "unused"], executable: try builtExecutable("steeple-agent"), in: dir)
        defer { agent.stop() }
        var text = ""
        for _ in 0..<300 where !text.contains("\"msg\"") {
            try await Task.sleep(for: .milliseconds(50))
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        let first = text.split(separator: "\n").first ?? ""
        #expect(first.hasPrefix("{") && first.contains("\"file\":\"") && first.contains("\"func\":\""), "log file:\n\(text)\noutput:\n\(agent.output)")
        #expect(!agent.output.contains("\"msg\""), "log lines also went to stderr: \(agent.output)")
    }
}
