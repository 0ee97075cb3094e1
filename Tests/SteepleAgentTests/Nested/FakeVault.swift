import Foundation
import SteepleTestSupport
import Testing

/// A Vault double on loopback, since no Vault runs here: Python's `http.server` over real TLS (a certificate for
/// 127.0.0.1 from a CA of its own), answering as Vault's HTTP API documents the two calls SPIRE's `vault` upstream
/// authority makes:
///
/// - `POST /v1/auth/<mount>/login` (AppRole): `{"auth": {"client_token": …}}` for the right role and secret ID,
///   else `400 {"errors": ["invalid role or secret ID"]}`.
/// - `POST /v1/<pki>/root/sign-intermediate` with `X-Vault-Token`: signs the CSR with the PKI root (Python's
///   `cryptography`: cA true, keyCertSign + cRLSign, the requested `uri_sans`, `ttl`), answering `data.certificate`,
///   `data.issuing_ca` and `data.ca_chain` (the new CA then the root, as Vault 1.11+ lists them); `403
///   {"errors": ["permission denied"]}` for any other token.
///
/// Every request is appended to `requests.log` as `METHOD path namespace=<X-Vault-Namespace>` and its JSON body.
final class FakeVault {
    let directory: String
    let port: Int
    let token = "hvs.fake-\(UUID().uuidString.prefix(8))"
    let roleID = "role-\(UUID().uuidString.prefix(8))"
    let secretID = "secret-\(UUID().uuidString.prefix(8))"
    /// Set to sign with a key other than the root's (a forged answer).
    var forge = false
    private var child: ChildProcess?

    init() throws {
        directory = NSTemporaryDirectory() + "steeple-fake-vault-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.script.write(toFile: directory + "/fake_vault.py", atomically: true, encoding: .utf8)
        port = try freeTCPPort()
    }

    var address: String { "https://127.0.0.1:\(port)" }
    var tlsCAPath: String { directory + "/ca.pem" }
    var pkiRootPath: String { directory + "/pki-root.pem" }
    var requests: String { (try? String(contentsOfFile: directory + "/requests.log", encoding: .utf8)) ?? "" }

    func start() async throws {
        try await offCooperativePool { [directory] in try LoopbackServerCertificate.make(in: directory, caName: "fake vault TLS CA") }
        let python = ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] ?? "/usr/bin/python3"
        let child = try ChildProcess(
            [directory + "/fake_vault.py", directory, String(port), token, roleID, secretID, forge ? "forge" : "genuine"],
            executable: python, in: URL(fileURLWithPath: directory))
        self.child = child
        let output = try await child.waitForOutput { $0.contains("serving") || $0.contains("Error") }
        try #require(output.contains("serving"), "the fake Vault did not start: \(output)")
    }

    func stop() {
        child?.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let script = #"""
    import datetime, http.server, json, ssl, sys, threading
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    root_dir, port, token, role_id, secret_id, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
    now = datetime.datetime.now(datetime.timezone.utc)
    root_not_after = now + datetime.timedelta(days=30)

    def make_root(name):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(root_not_after)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return cert, key

    root, root_key = make_root("fake vault pki root")
    forger, forger_key = make_root("fake vault pki root")
    pem = lambda cert: cert.public_bytes(serialization.Encoding.PEM).decode()
    open(root_dir + "/pki-root.pem", "w").write(pem(root))
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        # Keep-alive with Content-Length, as Vault answers: the client closes, so TLS ends cleanly.
        protocol_version = "HTTP/1.1"

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with lock:
                with open(root_dir + "/requests.log", "a") as log:
                    log.write("%s %s namespace=%s %s\n" % (self.command, self.path, self.headers.get("X-Vault-Namespace", ""), json.dumps(body, sort_keys=True)))
            if self.path.startswith("/v1/auth/") and self.path.endswith("/login"):
                if body.get("role_id") == role_id and body.get("secret_id") == secret_id:
                    return self.reply(200, {"request_id": "1", "lease_id": "", "renewable": False, "lease_duration": 0, "data": None,
                                            "auth": {"client_token": token, "accessor": "a", "policies": ["default"], "lease_duration": 3600, "renewable": True}})
                return self.reply(400, {"errors": ["invalid role or secret ID"]})
            if self.path.endswith("/root/sign-intermediate"):
                if self.headers.get("X-Vault-Token") != token:
                    return self.reply(403, {"errors": ["permission denied"]})
                csr = x509.load_pem_x509_csr(body["csr"].encode())
                signer, signer_key = (forger, forger_key) if mode == "forge" else (root, root_key)
                names = [x509.NameAttribute(NameOID.COUNTRY_NAME, c) for c in body.get("country", "").split(",") if c]
                names += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in body.get("organization", "").split(",") if o]
                ttl = int(body.get("ttl") or 3600)
                # Plain datetimes only: Debian's cryptography (38) has no *_utc accessors.
                not_after = min(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ttl), root_not_after)
                cert = (x509.CertificateBuilder().subject_name(x509.Name(names)).issuer_name(signer.subject).public_key(csr.public_key())
                        .serial_number(x509.random_serial_number())
                        .not_valid_before(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=30))
                        .not_valid_after(not_after)
                        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                        .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in body["uri_sans"].split(",")]), critical=False)
                        .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
                        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
                        .sign(signer_key, hashes.SHA256()))
                return self.reply(200, {"request_id": "2", "lease_id": "", "renewable": False, "lease_duration": 0,
                                        "data": {"certificate": pem(cert), "issuing_ca": pem(root), "ca_chain": [pem(cert), pem(root)],
                                                 "expiration": int(not_after.timestamp()), "serial_number": format(cert.serial_number, "x")},
                                        "wrap_info": None, "warnings": None, "auth": None})
            self.reply(404, {"errors": []})

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(root_dir + "/leaf.pem", root_dir + "/leaf.key")

    class TLSServer(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def finish_request(self, request, client_address):
            request.settimeout(10)
            try:
                tls = context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            self.RequestHandlerClass(tls, client_address, self)

    server = TLSServer(("127.0.0.1", port), Handler)
    print("serving", flush=True)
    server.serve_forever()
    """#
}
