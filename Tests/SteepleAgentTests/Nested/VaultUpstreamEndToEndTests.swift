import Foundation
import SteepleTestSupport
import Testing

/// `UpstreamAuthority "vault"` with SPIRE's configuration against a Vault double (``FakeVault``: real TLS, real
/// signatures, Vault's JSON): the server's CA is signed by Vault's PKI root, SVIDs verify against that root with
/// openssl, and a refused token or a forged answer stops the server with a reason.
@Suite("Vault upstream authority end to end", .serialized, .enabled(if: ChildProcess.hasOpenSSL, "needs /usr/bin/openssl"))
struct VaultUpstreamEndToEndTests {
    static func plugins(_ vault: FakeVault, auth: String, extra: String = "") -> String {
        #"""
        NodeAttestor "join_token" {}
            UpstreamAuthority "vault" {
                plugin_data {
                    vault_addr = "\#(vault.address)"
                    ca_cert_path = "\#(vault.tlsCAPath)"
                    \#(extra)
                    \#(auth)
                }
            }
        """#
    }


    @Test("token_auth: the CA is signed by Vault's PKI root (SPIRE's request fields, the namespace header), the bundle is that root, and a minted SVID verifies against it with openssl")
    func tokenAuth() async throws {
        let vault = try FakeVault()
        defer { vault.stop() }
        try await vault.start()
        let server = try ServerProcess(bindPort: try freeTCPPort(), plugins: Self.plugins(vault, auth: #"token_auth { token = "\#(vault.token)" }"#, extra: #"namespace = "team-a""#))
        do {
            try await server.start()
            let bundle = try await server.cli(["bundle", "show"])
            #expect(bundle.stdout == (try String(contentsOfFile: vault.pkiRootPath, encoding: .utf8)), "the bundle is Vault's PKI root: \(bundle.stdout)")
            let shown = try await server.cli(["localauthority", "x509", "show"])
            #expect(shown.stdout.contains("Upstream authority Subject Key ID: "), "\(shown.stdout)")
            let requests = vault.requests
            #expect(requests.contains("POST /v1/pki/root/sign-intermediate namespace=team-a"), "\(requests)")
            #expect(requests.contains(#""country": "US""#) && requests.contains(#""organization": "SPIFFE""#) && requests.contains(#""uri_sans": "spiffe://example.org""#) && requests.contains(#""ttl": "86400""#), "\(requests)")

            let out = server.directory + "/minted"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let minted = try await server.cli(["x509", "mint", "-spiffeID", "spiffe://example.org/web", "-write", out])
            #expect(minted.status == 0, "\(minted.stderr)")
            let verify = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", vault.pkiRootPath, "-untrusted", out + "/svid.pem", out + "/svid.pem"])
            #expect(verify.status == 0 && verify.output.contains("OK"), "openssl verify against Vault's root: \(verify.output)")

            // A rotation signs the next CA through Vault again.
            let prepared = try await server.cli(["localauthority", "x509", "prepare"])
            #expect(prepared.status == 0, "\(prepared.stderr)")
            #expect(vault.requests.components(separatedBy: "root/sign-intermediate").count == 3, "two signings: \(vault.requests)")
            _ = try await server.stop()
        } catch {
            print("--- server log\n" + server.logText)
            _ = try? await server.stop()
            throw error
        }
    }

    @Test("approle_auth from SPIRE's environment variables (VAULT_ADDR, VAULT_APPROLE_ID, VAULT_APPROLE_SECRET_ID): login, then signing with the token it gives")
    func appRoleFromEnvironment() async throws {
        let vault = try FakeVault()
        defer { vault.stop() }
        try await vault.start()
        let server = try ServerProcess(bindPort: try freeTCPPort(), plugins: #"""
            UpstreamAuthority "vault" {
                plugin_data {
                    pki_mount_point = "spire-pki"
                    ca_cert_path = "\#(vault.tlsCAPath)"
                    approle_auth { approle_auth_mount_point = "machines" }
                }
            }
            """#)
        server.environment = ["VAULT_ADDR": vault.address, "VAULT_APPROLE_ID": vault.roleID, "VAULT_APPROLE_SECRET_ID": vault.secretID]
        do {
            try await server.start()
            let requests = vault.requests
            #expect(requests.contains("POST /v1/auth/machines/login") && requests.contains(vault.roleID), "\(requests)")
            #expect(requests.contains("POST /v1/spire-pki/root/sign-intermediate"), "\(requests)")
            #expect(try await server.cli(["bundle", "show"]).stdout == (try String(contentsOfFile: vault.pkiRootPath, encoding: .utf8)))
            _ = try await server.stop()
        } catch {
            print("--- server log\n" + server.logText)
            _ = try? await server.stop()
            throw error
        }
    }

    @Test("refused: a token Vault rejects, a wrong AppRole secret, and an answer signed by another key than the PKI root; each stops the server, naming why", arguments: ["token", "approle", "forged"])
    func refusals(kind: String) async throws {
        let vault = try FakeVault()
        defer { vault.stop() }
        vault.forge = kind == "forged"
        try await vault.start()
        let auth = switch kind {
        case "token": #"token_auth { token = "hvs.not-the-token" }"#
        case "approle": #"approle_auth { approle_id = "\#(vault.roleID)" approle_secret_id = "wrong" }"#
        default: #"token_auth { token = "\#(vault.token)" }"#
        }
        let server = try ServerProcess(bindPort: try freeTCPPort(), plugins: Self.plugins(vault, auth: auth))
        let process = try server.launch()
        let running = try await retrying(for: .seconds(30), until: { !$0 }) { process.isRunning }
        #expect(!running && process.terminationStatus != 0, "the server exits with an error")
        let log = server.logText
        switch kind {
        case "token": #expect(log.contains("Vault refused POST /v1/pki/root/sign-intermediate: 403 Forbidden: permission denied"), "\(log)")
        case "approle": #expect(log.contains("Vault refused POST /v1/auth/approle/login: 400 Bad Request: invalid role or secret ID"), "\(log)")
        default: #expect(log.contains("does not chain to the upstream bundle's X.509 authorities"), "\(log)")
        }
        _ = try? await server.stop()
    }
}
