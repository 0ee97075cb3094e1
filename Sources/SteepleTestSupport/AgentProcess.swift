package import Foundation

/// A real `steeple-agent` process for end-to-end tests, with its data and Workload API socket in a temporary folder.
package final class AgentProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this object.
    package let directory: String
    package let socketPath: String
    package let log: String
    private var process: Process?

    /// - Parameters:
    ///   - serverPort: the server's agent API port.
    ///   - trustBundlePath: PEM bundle to trust the server with; nil means `insecure_bootstrap`.
    ///   - bootstrap: the `agent { }` line that says how to trust the server, such as
    ///     `trust_bundle_url = "https://…"`; it replaces the one `trustBundlePath` gives.
    ///   - extraAgentLines: more lines for the `agent { }` block, such as `log_format = "json"`.
    package init(trustDomain: String = "example.org", serverAddress: String = "127.0.0.1", serverPort: Int, trustBundlePath: String?, bootstrap: String? = nil, nodeAttestor: String = #"NodeAttestor "join_token" {}"#, extraPlugins: [String] = [], extraAgentLines: [String] = []) throws {
        directory = NSTemporaryDirectory() + "steeple-agent-e2e-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socketPath = directory + "/public/api.sock"
        log = directory + "/agent.log"
        let trust = bootstrap.map { "    " + $0 } ?? trustBundlePath.map { #"    trust_bundle_path = "\#($0)""# } ?? "    insecure_bootstrap = true"
        let config = ([
            "agent {", #"    trust_domain = "\#(trustDomain)""#, #"    data_dir = "\#(directory)/data""#,
            #"    server_address = "\#(serverAddress)""#, #"    server_port = "\#(serverPort)""#,
            #"    socket_path = "\#(socketPath)""#, trust,
        ] + extraAgentLines.map { "    " + $0 } + [
            "}",
            "plugins {", "    " + nodeAttestor, #"    KeyManager "disk" {}"#,
        ] + extraPlugins.map { "    " + $0 } + [#"    WorkloadAttestor "unix" {}"#, "}"]).joined(separator: "\n")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    package var configPath: String { directory + "/agent.conf" }

    /// A command the agent is started through, such as `["/usr/bin/prlimit", "--nofile=96:96"]` (it must exec the
    /// agent, so that ``pid`` is the agent's).
    package var launcher: [String] = []

    /// More flags for `steeple-agent run`, such as `["-logFormat", "json"]`.
    package var runArguments: [String] = []

    /// Variables added to the agent's environment, such as `SSL_CERT_FILE`.
    package var environment: [String: String] = [:]

    /// Starts the agent (with a join token the first time) and waits until its Workload API answers.
    package func start(joinToken: String?) async throws {
        let process = try launch(joinToken: joinToken)
        for _ in 0..<300 {
            if FileManager.default.fileExists(atPath: socketPath), try await cli(["healthcheck"]).status == 0 { return }
            guard exitStatus(of: process) == nil else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CLIFailure(message: "agent did not become healthy; log:\n" + logText)
    }

    /// Starts the agent without waiting for it to become healthy.
    @discardableResult
    package func launch(joinToken: String?) throws -> Process {
        let process = Process()
        let arguments = ["run", "-config", configPath] + (joinToken.map { ["-joinToken", $0] } ?? []) + runArguments
        if let command = launcher.first {
            process.executableURL = URL(fileURLWithPath: command)
            process.arguments = Array(launcher.dropFirst()) + [try builtExecutable("steeple-agent")] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: try builtExecutable("steeple-agent"))
            process.arguments = arguments
        }
        if !FileManager.default.fileExists(atPath: log) { _ = FileManager.default.createFile(atPath: log, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        try process.run()
        self.process = process
        return process
    }

    package var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    package var isRunning: Bool { process.map { exitStatus(of: $0) == nil } ?? false }

    /// Sends SIGTERM and waits for the exit; returns the exit status.
    @discardableResult
    package func stop() async throws -> Int32 {
        guard let process else { return 0 }
        self.process = nil
        return try await terminateGracefully(process)
    }

    /// Runs `steeple-agent <arguments> -socketPath <socket>`, optionally as another user through `setpriv`.
    package func cli(_ arguments: [String], asUser uid: UInt32? = nil) async throws -> ServerProcess.Output {
        let binary = try builtExecutable("steeple-agent")
        let process = Process()
        if let uid {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", binary] + arguments + ["-socketPath", socketPath]
        } else {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments + ["-socketPath", socketPath]
        }
        return try await runCollectingOutput(process)
    }

    /// The process ID while running.
    package var pid: Int32? { process?.processIdentifier }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
