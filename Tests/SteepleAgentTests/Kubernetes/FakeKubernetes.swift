import Foundation
import SteepleTestSupport
import Testing

/// A Kubernetes control plane double on loopback, since no cluster can run here: Python's `http.server` over real TLS
/// (a certificate for 127.0.0.1 and localhost from a CA of its own, made by openssl), answering as the Kubernetes API
/// reference documents:
///
/// - API server: `POST /apis/authentication.k8s.io/v1/tokenreviews` (a TokenReview back, `status` filled in; a token
///   reviewed for audiences it was not issued for is unauthenticated, as the real one answers),
///   `GET /api/v1/namespaces/<ns>/pods/<name>`, `GET /api/v1/nodes/<name>`, `GET /api/v1/namespaces/<ns>`; `401` `Status` without the bearer token,
///   `404` `Status` for a missing object.
///   `GET` and `PATCH` (strategic merge, resource version checked: `409 Conflict`) of
///   `/api/v1/namespaces/<ns>/configmaps/<name>`.
/// - kubelet (its own port): `GET /pods`, a `PodList`.
///
/// The state is `state.json`, read at every request so a test can change the cluster while processes run. Each
/// request is appended to `requests.log` as `METHOD path`.
final class FakeKubernetes {
    let directory: String
    let apiPort: Int
    let kubeletPort: Int
    /// The token the API server's callers (Steeple's server) must present, and the kubelet's (the agent's).
    let apiToken = "api-token-\(UUID().uuidString.prefix(8))"
    let kubeletToken = "kubelet-token-\(UUID().uuidString.prefix(8))"
    private var child: ChildProcess?

    /// The cluster's contents.
    struct State {
        /// Token → what TokenReview says of it: `audiences` it was issued for, `username` and `extra`.
        var tokens: [String: [String: Any]] = [:]
        /// Pods by `namespace/name`, as the API server has them.
        var pods: [String: [String: Any]] = [:]
        var nodes: [String: [String: Any]] = [:]
        /// Namespaces' labels by name.
        var namespaces: [String: [String: String]] = [:]
        /// What the kubelet's `/pods` lists.
        var kubeletPods: [[String: Any]] = []
        /// Answer the kubelet's `/pods` with this status instead (a kubelet that fails).
        var kubeletStatus: Int?
    }

    init() throws {
        directory = NSTemporaryDirectory() + "steeple-fake-k8s-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.script.write(toFile: directory + "/fake_k8s.py", atomically: true, encoding: .utf8)
        apiPort = try freeTCPPort()
        kubeletPort = try freeTCPPort()
        try write(State())
    }

    var caPath: String { directory + "/ca.pem" }

    /// A kubeconfig for the API server with the bearer token, its CA by relative path (as kubectl resolves it).
    func writeKubeconfig() throws -> String {
        let path = directory + "/kubeconfig"
        try """
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: https://127.0.0.1:\(apiPort)
            certificate-authority: ca.pem
        users:
        - name: steeple
          user:
            token: \(apiToken)
        contexts:
        - name: fake
          context:
            cluster: fake
            user: steeple
        current-context: fake
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func write(_ state: State) throws {
        let object: [String: Any] = [
            "api_token": apiToken, "kubelet_token": kubeletToken,
            "tokens": state.tokens, "pods": state.pods, "nodes": state.nodes, "namespaces": state.namespaces,
            "kubelet_pods": state.kubeletPods, "kubelet_status": state.kubeletStatus ?? 0,
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/state.json.tmp"))
        _ = rename(directory + "/state.json.tmp", directory + "/state.json")
    }

    /// ConfigMaps the API server holds (`namespace/name` → `data`), kept by the fake in `configmaps.json` since
    /// PATCH changes them; a test seeds them before ``start()``.
    func seedConfigMap(namespace: String, name: String, data: [String: String] = [:]) throws {
        var maps = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/configmaps.json")))) as? [String: Any] ?? [:]
        maps["\(namespace)/\(name)"] = [
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": ["name": name, "namespace": namespace, "uid": UUID().uuidString.lowercased(), "resourceVersion": "100", "creationTimestamp": "2026-12-06T10:00:00Z"],
            "data": data,
        ]
        try JSONSerialization.data(withJSONObject: maps).write(to: URL(fileURLWithPath: directory + "/configmaps.json"))
    }

    /// A ConfigMap's data as the fake holds it now.
    func configMapData(namespace: String, name: String) -> [String: String]? {
        let maps = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/configmaps.json")))) as? [String: Any]
        return ((maps?["\(namespace)/\(name)"] as? [String: Any])?["data"] as? [String: String])
    }

    func start() async throws {
        // openssl off the cooperative pool: a blocked pool thread (two on a 2-core machine) starves other tests.
        try await offCooperativePool { [directory] in try LoopbackServerCertificate.make(in: directory, caName: "fake kubernetes CA") }
        let python = ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] ?? "/usr/bin/python3"
        let child = try ChildProcess([directory + "/fake_k8s.py", directory, String(apiPort), String(kubeletPort)], executable: python, in: URL(fileURLWithPath: directory))
        self.child = child
        let output = try await child.waitForOutput { $0.contains("serving") }
        try #require(output.contains("serving"), "the fake Kubernetes did not start: \(output)")
    }

    var requests: String { (try? String(contentsOfFile: directory + "/requests.log", encoding: .utf8)) ?? "" }

    func stop() {
        child?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Objects, shaped as the API returns them

    static func pod(name: String, namespace: String, uid: String, node: String, serviceAccount: String, hostIP: String = "10.0.0.7",
                    labels: [String: String] = [:], containers: [(name: String, image: String, id: String)] = [], owner: (kind: String, name: String, uid: String)? = nil) -> [String: Any] {
        var metadata: [String: Any] = [
            "name": name, "namespace": namespace, "uid": uid, "resourceVersion": "4711",
            "creationTimestamp": "2026-12-06T10:00:00Z", "labels": labels,
        ]
        if let owner {
            metadata["ownerReferences"] = [["apiVersion": "apps/v1", "kind": owner.kind, "name": owner.name, "uid": owner.uid, "controller": true, "blockOwnerDeletion": true]]
        }
        return [
            "kind": "Pod", "apiVersion": "v1",
            "metadata": metadata,
            "spec": [
                "containers": containers.map { ["name": $0.name, "image": $0.image, "imagePullPolicy": "IfNotPresent"] },
                "restartPolicy": "Always", "serviceAccountName": serviceAccount, "serviceAccount": serviceAccount, "nodeName": node,
            ],
            "status": [
                "phase": "Running", "hostIP": hostIP, "podIP": "10.244.1.9", "startTime": "2026-12-06T10:00:01Z",
                "containerStatuses": containers.map {
                    [
                        "name": $0.name, "state": ["running": ["startedAt": "2026-12-06T10:00:02Z"]], "ready": true, "restartCount": 0,
                        "image": $0.image, "imageID": "docker.io/library/\($0.image)@sha256:" + String(repeating: "ab", count: 32),
                        "containerID": "containerd://\($0.id)", "started": true,
                    ] as [String: Any]
                },
                "qosClass": "BestEffort",
            ] as [String: Any],
        ]
    }

    static func node(name: String, uid: String, labels: [String: String] = [:]) -> [String: Any] {
        [
            "kind": "Node", "apiVersion": "v1",
            "metadata": ["name": name, "uid": uid, "resourceVersion": "815", "creationTimestamp": "2026-12-01T08:00:00Z", "labels": labels],
            "spec": ["podCIDR": "10.244.1.0/24"],
            "status": ["addresses": [["type": "InternalIP", "address": "10.0.0.7"], ["type": "Hostname", "address": name]]],
        ]
    }

    /// A projected service account token's review: `system:serviceaccount:<ns>:<sa>`, bound to a pod.
    static func token(audiences: [String], namespace: String, serviceAccount: String, podName: String, podUID: String) -> [String: Any] {
        [
            "audiences": audiences,
            "username": "system:serviceaccount:\(namespace):\(serviceAccount)",
            "uid": "3e7a3b53-7c4b-4d6e-9a47-0d1b1b2b3c4d",
            "groups": ["system:serviceaccounts", "system:serviceaccounts:\(namespace)", "system:authenticated"],
            "extra": [
                "authentication.kubernetes.io/pod-name": [podName],
                "authentication.kubernetes.io/pod-uid": [podUID],
                "authentication.kubernetes.io/node-name": ["node-1"],
            ],
        ]
    }

    private static let script = #"""
    import http.server, json, os, socketserver, ssl, sys, threading
    root, api_port, kubelet_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lock = threading.Lock()

    def configmaps():
        try:
            with open(root + "/configmaps.json") as f:
                return json.load(f)
        except FileNotFoundError:
            return {}

    def state():
        with open(root + "/state.json") as f:
            return json.load(f)

    def status(code, reason, message, details=None):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": message, "reason": reason, "code": code}
        if details:
            body["details"] = details
        return code, body

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        kubelet = False

        def log_request_line(self):
            with open(root + "/requests.log", "a") as log:
                log.write("%s %s %s\n" % ("kubelet" if self.kubelet else "api", self.command, self.path))

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def authorized(self, s):
            want = "Bearer " + (s["kubelet_token"] if self.kubelet else s["api_token"])
            return self.headers.get("Authorization") == want

        def do_GET(self):
            self.log_request_line()
            s = state()
            if not self.authorized(s):
                return self.reply(*status(401, "Unauthorized", "Unauthorized"))
            parts = self.path.split("?")[0].strip("/").split("/")
            if self.kubelet:
                if parts == ["pods"]:
                    if s.get("kubelet_status"):
                        return self.reply(*status(s["kubelet_status"], "InternalError", "kubelet is failing"))
                    return self.reply(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": s["kubelet_pods"]})
                return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
            if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "pods":
                pod = s["pods"].get(parts[3] + "/" + parts[5])
                if pod is None:
                    return self.reply(*status(404, "NotFound", 'pods "%s" not found' % parts[5], {"name": parts[5], "kind": "pods"}))
                return self.reply(200, pod)
            if len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "configmaps":
                cm = configmaps().get(parts[3] + "/" + parts[5])
                if cm is None:
                    return self.reply(*status(404, "NotFound", 'configmaps "%s" not found' % parts[5], {"name": parts[5], "kind": "configmaps"}))
                return self.reply(200, cm)
            if len(parts) == 4 and parts[:3] == ["api", "v1", "namespaces"]:
                labels = s["namespaces"].get(parts[3])
                if labels is None:
                    return self.reply(*status(404, "NotFound", 'namespaces "%s" not found' % parts[3], {"name": parts[3], "kind": "namespaces"}))
                return self.reply(200, {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": parts[3], "uid": "0b8a6c9e-" + "0" * 4 + "-4000-8000-" + "0" * 12, "labels": labels}, "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
            if len(parts) == 4 and parts[:3] == ["api", "v1", "nodes"]:
                node = s["nodes"].get(parts[3])
                if node is None:
                    return self.reply(*status(404, "NotFound", 'nodes "%s" not found' % parts[3], {"name": parts[3], "kind": "nodes"}))
                return self.reply(200, node)
            return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))

        def do_PATCH(self):
            self.log_request_line()
            s = state()
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.authorized(s):
                return self.reply(*status(401, "Unauthorized", "Unauthorized"))
            parts = self.path.split("?")[0].strip("/").split("/")
            if self.kubelet or not (len(parts) == 6 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "configmaps"):
                return self.reply(*status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource"))
            if self.headers.get("Content-Type") != "application/strategic-merge-patch+json":
                return self.reply(*status(415, "UnsupportedMediaType", "the body of the request was in an unknown format"))
            with lock:
                maps = configmaps()
                key = parts[3] + "/" + parts[5]
                cm = maps.get(key)
                if cm is None:
                    return self.reply(*status(404, "NotFound", 'configmaps "%s" not found' % parts[5], {"name": parts[5], "kind": "configmaps"}))
                wanted = body.get("metadata", {}).get("resourceVersion")
                if wanted and wanted != cm["metadata"]["resourceVersion"]:
                    return self.reply(*status(409, "Conflict", 'Operation cannot be fulfilled on configmaps "%s": the object has been modified; please apply your changes to the latest version and try again' % parts[5]))
                cm.setdefault("data", {}).update(body.get("data", {}))
                cm["metadata"]["resourceVersion"] = str(int(cm["metadata"]["resourceVersion"]) + 1)
                with open(root + "/configmaps.json.tmp", "w") as f:
                    json.dump(maps, f)
                os.replace(root + "/configmaps.json.tmp", root + "/configmaps.json")
            return self.reply(200, cm)

        def do_POST(self):
            self.log_request_line()
            s = state()
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if not self.authorized(s):
                return self.reply(*status(401, "Unauthorized", "Unauthorized"))
            if self.kubelet or self.path != "/apis/authentication.k8s.io/v1/tokenreviews":
                return self.reply(*status(404, "NotFound", "the server could not find the requested resource"))
            if body.get("kind") != "TokenReview" or body.get("apiVersion") != "authentication.k8s.io/v1":
                return self.reply(*status(400, "BadRequest", "expected a TokenReview of authentication.k8s.io/v1"))
            spec = body.get("spec", {})
            token = s["tokens"].get(spec.get("token", ""))
            wanted = spec.get("audiences") or []
            review = {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
                      "metadata": {"creationTimestamp": None}, "spec": spec, "status": {"user": {}}}
            if token is None:
                review["status"] = {"user": {}, "error": "[invalid bearer token, service account token could not be validated]"}
            else:
                granted = [a for a in wanted if a in token["audiences"]] if wanted else token["audiences"]
                if not granted:
                    review["status"] = {"user": {}, "error": "[invalid bearer token, token audiences %s is invalid for the target audiences %s]" % (json.dumps(token["audiences"]), json.dumps(wanted))}
                else:
                    # "status_audiences" makes the fake answer for other audiences than asked (a misbehaving server).
                    review["status"] = {"authenticated": True, "audiences": token.get("status_audiences", granted),
                                        "user": {"username": token["username"], "uid": token["uid"], "groups": token["groups"], "extra": token["extra"]}}
            return self.reply(201, review)

        def log_message(self, *args):
            pass

    class KubeletHandler(Handler):
        kubelet = True

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(root + "/leaf.pem", root + "/leaf.key")

    class TLSServer(http.server.ThreadingHTTPServer):
        daemon_threads = True

        # The TLS handshake in the connection's own thread, with a deadline: a slow or aborted handshake (a client
        # that refuses the certificate) must not hold up the accept loop, and so every later client.
        def finish_request(self, request, client_address):
            request.settimeout(10)
            try:
                tls = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            self.RequestHandlerClass(tls, client_address, self)

    def serve(port, handler):
        return TLSServer(("127.0.0.1", port), handler)

    api = serve(api_port, Handler)
    kubelet = serve(kubelet_port, KubeletHandler)
    threading.Thread(target=kubelet.serve_forever, daemon=True).start()
    print("serving", flush=True)
    api.serve_forever()
    """#
}
