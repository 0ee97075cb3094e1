import Foundation
import SteepleTestSupport
import Testing

/// A cloud instance metadata service double on loopback: Python's `http.server` answering from `routes.json`, which
/// the test writes (and may rewrite while processes run; it is read at every request). A route is keyed by
/// `METHOD path` (the path with its query, exactly as the client sends it; `METHOD path?*` matches any query;
/// `METHOD path body` only that request body, for the pages of a JSON API) and names the status, the body, and the
/// request headers it requires: a request without them gets `400`, as GCP's metadata server answers a request
/// without `Metadata-Flavor: Google`. Unknown routes get `404`. Each request is appended to `requests.log` as
/// `METHOD path` followed by the headers it carried among those any route requires, and a request's body (a token
/// exchange's form) to `bodies.log`.
///
/// The documents it serves are signed by the test (``TestCloudIssuer``); the double's one piece of cryptography is
/// checking the AWS SigV4 signatures of the requests that must carry one.
final class FakeCloudMetadata {
    let directory: String
    let port: Int
    /// The same routes over TLS (a certificate for 127.0.0.1 and localhost from ``caPath``), when asked for: a
    /// provider's key set URL.
    let tlsPort: Int?
    private var child: ChildProcess?

    /// One answer.
    struct Route {
        var status = 200
        var body: String
        var requiredHeaders: [String: String] = [:]
        /// AWS SigV4 the request must carry, verified by the double with these credentials (else `403` with EC2's
        /// `AuthFailure` error).
        var sigV4: (accessKeyID: String, secretAccessKey: String, service: String)?
        /// The session token temporary credentials carry: the request must send it as `X-Amz-Security-Token` and
        /// sign it.
        var sigV4SessionToken: String?
    }

    init(tls: Bool = false) throws {
        directory = NSTemporaryDirectory() + "steeple-fake-cloud-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.script.write(toFile: directory + "/fake_cloud_metadata.py", atomically: true, encoding: .utf8)
        port = try freeTCPPort()
        tlsPort = tls ? try freeTCPPort() : nil
        try write([:])
    }

    /// The CA of the TLS listener's certificate.
    var caPath: String { directory + "/ca.pem" }

    /// `127.0.0.1:<port>`, the form of SPIRE's `identity_token_host`.
    var hostAndPort: String { "127.0.0.1:\(port)" }
    var endpoint: String { "http://\(hostAndPort)" }

    /// Replaces the routes, keyed `METHOD path`.
    func write(_ routes: [String: Route]) throws {
        let object = routes.mapValues { route in
            var entry: [String: Any] = ["status": route.status, "body": route.body, "headers": route.requiredHeaders]
            if let sigV4 = route.sigV4 {
                entry["sigv4"] = ["key": sigV4.accessKeyID, "secret": sigV4.secretAccessKey, "service": sigV4.service, "token": route.sigV4SessionToken ?? ""]
            }
            return entry
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/routes.json.tmp"))
        // rename(2): the double never reads a half-written file.
        guard rename(directory + "/routes.json.tmp", directory + "/routes.json") == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: directory + "/routes.json"])
        }
    }

    func start() async throws {
        if tlsPort != nil {
            // openssl off the cooperative pool, as FakeKubernetes does.
            try await offCooperativePool { [directory] in try LoopbackServerCertificate.make(in: directory, caName: "fake cloud CA") }
        }
        let python = ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] ?? "/usr/bin/python3"
        let child = try ChildProcess([directory + "/fake_cloud_metadata.py", directory, String(port), String(tlsPort ?? 0)], executable: python, in: URL(fileURLWithPath: directory))
        self.child = child
        let output = try await child.waitForOutput { $0.contains("serving") }
        try #require(output.contains("serving"), "the fake metadata service did not start: \(output)")
    }

    var requests: String { (try? String(contentsOfFile: directory + "/requests.log", encoding: .utf8)) ?? "" }

    /// The bodies of requests that had one, each line `METHOD path body`.
    var bodies: String { (try? String(contentsOfFile: directory + "/bodies.log", encoding: .utf8)) ?? "" }

    func stop() {
        child?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let script = #"""
    import hashlib, hmac, http.server, json, re, socketserver, ssl, sys, threading
    root, port, tls_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

    def sigv4_valid(handler, spec, body):
        # AWS Signature Version 4, recomputed from the request as AWS does.
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$",
                     handler.headers.get("Authorization", ""))
        if not m:
            return False
        key, day, region, service, signed, signature = m.groups()
        if key != spec["key"] or service != spec["service"] or "host" not in signed.split(";"):
            return False
        if spec.get("token") and (handler.headers.get("X-Amz-Security-Token") != spec["token"] or "x-amz-security-token" not in signed.split(";")):
            return False
        path, _, query = handler.path.partition("?")
        pairs = sorted(tuple(part.split("=", 1)) for part in query.split("&") if part)
        canonical_query = "&".join("%s=%s" % pair for pair in pairs)
        headers = "".join("%s:%s\n" % (name, (handler.headers.get(name) or "").strip()) for name in signed.split(";"))
        request = "\n".join([handler.command, path or "/", canonical_query, headers, signed, hashlib.sha256(body.encode()).hexdigest()])
        scope = "%s/%s/%s/aws4_request" % (day, region, service)
        to_sign = "\n".join(["AWS4-HMAC-SHA256", handler.headers.get("X-Amz-Date", ""), scope, hashlib.sha256(request.encode()).hexdigest()])
        k = ("AWS4" + spec["secret"]).encode()
        for part in (day, region, service, "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        return hmac.compare_digest(hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest(), signature)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if body:
                with open(root + "/bodies.log", "a") as log:
                    log.write("%s %s %s\n" % (self.command, self.path, body))
            with open(root + "/routes.json") as f:
                routes = json.load(f)
            watched = sorted({name for route in routes.values() for name in route["headers"]})
            carried = " ".join("%s=%s" % (name, self.headers.get(name)) for name in watched if self.headers.get(name) is not None)
            with open(root + "/requests.log", "a") as log:
                log.write("%s %s %s\n" % (self.command, self.path, carried))
            route = routes.get(self.command + " " + self.path + " " + body) if body else None
            route = route or routes.get(self.command + " " + self.path) or routes.get(self.command + " " + self.path.split("?")[0] + "?*")
            if route is None:
                code, body = 404, "not found"
            elif any(self.headers.get(name) != value for name, value in route["headers"].items()):
                code, body = 400, "missing required header"
            elif "sigv4" in route and not sigv4_valid(self, route["sigv4"], body):
                code, body = 403, "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate the provided access credentials</Message></Error></Errors></Response>"
            else:
                code, body = route["status"], route["body"]
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = answer
        do_PUT = answer
        do_POST = answer

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    if tls_port:
        secure = Server(("127.0.0.1", tls_port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(root + "/leaf.pem", root + "/leaf.key")
        secure.socket = context.wrap_socket(secure.socket, server_side=True)
        threading.Thread(target=secure.serve_forever, daemon=True).start()
    server = Server(("127.0.0.1", port), Handler)
    print("serving", flush=True)
    server.serve_forever()
    """#
}
