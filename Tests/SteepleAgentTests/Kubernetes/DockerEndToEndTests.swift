import Foundation
import SteepleTestSupport
import Testing

/// `WorkloadAttestor "docker"` end to end: a real agent, a Docker Engine API double on a Unix socket (Python's
/// `http.server`, answering `GET /containers/<id>/json` and `GET /images/<name>/json` as the Engine API documents;
/// no Docker daemon can run here), and workloads that are real processes in real Docker-shaped cgroups.
@Suite("docker workload attestor end to end", .serialized)
struct DockerEndToEndTests {
    @Test("a process in a container's cgroup gets the docker:label/env/image_id entry's SVID; one outside gets none; an engine that does not know the container fails closed")
    func attestation() async throws {
        let cgroupfs = try PodCgroup.docker()
        defer { cgroupfs.remove() }
        let systemd = try PodCgroup.docker(systemd: true)
        defer { systemd.remove() }
        let unknown = try PodCgroup.docker()
        defer { unknown.remove() }
        let engine = try FakeDockerEngine(containers: [
            cgroupfs.containerID: ["Labels": ["com.example.app": "billing", "tier": "backend"], "Env": ["PATH=/usr/bin", "STAGE=prod"], "Image": "registry.example.org/billing:2.1"],
            systemd.containerID: ["Labels": ["com.example.app": "billing"], "Env": ["STAGE=prod"], "Image": "registry.example.org/billing:2.1"],
        ], images: ["registry.example.org/billing:2.1": "sha256:" + String(repeating: "c3", count: 32)])
        defer { engine.stop() }
        try await engine.start()

        let fixture = try TrustDomainFixture(agentPlugins: [#"WorkloadAttestor "docker" { plugin_data { docker_socket_path = "unix://\#(engine.socketPath)" } }"#])
        try await TrustDomainFixture.with(fixture) { fixture in
            _ = try await fixture.createEntry(spiffeID: "spiffe://example.org/billing", selectors: [
                "docker:label:com.example.app:billing", "docker:env:STAGE=prod", "docker:image_id:registry.example.org/billing:2.1",
                "docker:image_config_digest:sha256:" + String(repeating: "c3", count: 32),
            ])
            let fetch = try builtExecutable("steeple-agent")
            for cgroup in [cgroupfs, systemd] {
                let result = try await retrying(for: .seconds(10), until: { $0.status == 0 }) {
                    try await cgroup.run(fetch, ["api", "fetch", "x509", "-socketPath", fixture.agent.socketPath])
                }
                #expect(result.status == 0 && result.stdout.contains("SPIFFE ID:\t\tspiffe://example.org/billing"), "\(result.stdout)\(result.stderr)\n\(fixture.agent.logText)")
            }
            #expect(engine.requests.contains("GET /containers/\(cgroupfs.containerID)/json"))
            #expect(engine.requests.contains("GET /images/registry.example.org/billing:2.1/json"), "\(engine.requests)")

            let outside = try await fixture.agent.cli(["api", "fetch", "x509"])
            #expect(outside.status != 0, "a process in no container has no docker selectors: \(outside.stdout)")

            let refused = try await unknown.run(fetch, ["api", "fetch", "x509", "-socketPath", fixture.agent.socketPath])
            #expect(refused.status != 0, "\(refused.stdout)")
            #expect(fixture.agent.logText.contains("docker: GET /containers/\(unknown.containerID)/json: 404 Not Found: No such container: \(unknown.containerID)"), "\(fixture.agent.logText)")
        }
    }
}

/// The Docker Engine API double: containers by ID (their `Config`) and images by name (their `Id`), on a Unix socket.
final class FakeDockerEngine {
    let directory: String
    var socketPath: String { directory + "/docker.sock" }
    private var child: ChildProcess?

    init(containers: [String: [String: Any]], images: [String: String]) throws {
        directory = NSTemporaryDirectory() + "steeple-fake-docker-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let state: [String: Any] = ["containers": containers, "images": images]
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: directory + "/state.json"))
        try Self.script.write(toFile: directory + "/fake_docker.py", atomically: true, encoding: .utf8)
    }

    func start() async throws {
        let python = ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] ?? "/usr/bin/python3"
        let child = try ChildProcess([directory + "/fake_docker.py", directory], executable: python, in: URL(fileURLWithPath: directory))
        self.child = child
        let output = try await child.waitForOutput { $0.contains("serving") }
        try #require(output.contains("serving"), "the fake Docker engine did not start: \(output)")
    }

    var requests: String { (try? String(contentsOfFile: directory + "/requests.log", encoding: .utf8)) ?? "" }

    func stop() {
        child?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let script = #"""
    import http.server, json, socketserver, sys, urllib.parse
    root = sys.argv[1]
    state = json.load(open(root + "/state.json"))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Api-Version", "1.45")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            with open(root + "/requests.log", "a") as log:
                log.write("GET %s\n" % self.path)
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) == 3 and parts[0] == "containers" and parts[2] == "json":
                config = state["containers"].get(parts[1])
                if config is None:
                    return self.reply(404, {"message": "No such container: " + parts[1]})
                return self.reply(200, {"Id": parts[1], "Created": "2026-12-06T10:00:00Z", "Path": "/app",
                                        "State": {"Status": "running", "Running": True, "Pid": 4242},
                                        "Image": "sha256:" + "c3" * 32, "Name": "/billing", "Config": config})
            if len(parts) >= 3 and parts[0] == "images" and parts[-1] == "json":
                name = "/".join(parts[1:-1])
                image = state["images"].get(name)
                if image is None:
                    return self.reply(404, {"message": "No such image: " + name})
                return self.reply(200, {"Id": image, "RepoTags": [name], "RepoDigests": []})
            return self.reply(404, {"message": "page not found"})

        def log_message(self, *args):
            pass

    class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True
        def get_request(self):
            request, _ = super().get_request()
            return request, ("local", 0)

    server = UnixServer(root + "/docker.sock", Handler)
    print("serving", flush=True)
    server.serve_forever()
    """#
}
