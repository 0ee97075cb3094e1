import Foundation
import SteepleTestSupport
import Testing

/// SPIRE's nested deployment with real processes: an upstream server and its agent; a downstream server whose CA the
/// upstream signs (`UpstreamAuthority "spire"`, through the X509-SVID of a `-downstream` entry that the upstream's
/// agent serves it); the downstream's own agent and workloads. `openssl verify` checks the workloads' chains against
/// the upstream root alone.
@Suite("Nested servers end to end", .serialized, .enabled(if: ChildProcess.hasOpenSSL, "needs /usr/bin/openssl"))
struct NestedServersEndToEndTests {
    static let uid = getuid()
    /// The upstream cluster's workload runs as another user, so that the upstream agent serves the downstream server
    /// (this test's uid) only its `-downstream` SVID.
    static let otherUID: UInt32 = 65534

    static func downstreamPlugins(upstream: TrustDomainFixture) -> String {
        #"""
        NodeAttestor "join_token" {}
            UpstreamAuthority "spire" {
                plugin_data {
                    server_address = "127.0.0.1"
                    server_port = "\#(upstream.serverPort)"
                    workload_api_socket = "\#(upstream.agent.socketPath)"
                }
            }
        """#
    }

    /// `openssl verify` of the leaf of `chain` (a PEM chain file, leaf first) against `roots` alone.
    static func verify(chain: String, roots: String) async throws -> (ok: Bool, output: String) {
        let result = try await runTool("/usr/bin/openssl", ["verify", "-CAfile", roots, "-untrusted", chain, chain])
        return (result.status == 0 && result.output.contains(": OK"), result.output)
    }


    /// The certificates of a PEM file, in order.
    static func certificates(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "-----END CERTIFICATE-----")
            .filter { $0.contains("-----BEGIN CERTIFICATE-----") }
    }

    @Test("UpstreamAuthority \"spire\": the downstream's CA chains to the upstream root; workloads of both clusters verify each other's X509- and JWT-SVIDs; a downstream CA rotation keeps serving; it restarts on its journal with the upstream out of reach; an entry without -downstream is refused")
    func nested() async throws {
        try #require(getuid() == 0, "the upstream cluster's workload runs as uid \(Self.otherUID): this test needs root")
        try await TrustDomainFixture.with { upstream in
            let downstreamEntry = try await upstream.createEntry(spiffeID: "spiffe://example.org/cluster-b/spire-server", selectors: ["unix:uid:\(Self.uid)"], extra: ["-downstream"])
            try await upstream.createEntry(spiffeID: "spiffe://example.org/cluster-a/web", selectors: ["unix:uid:\(Self.otherUID)"])
            let served = try await eventually { try await upstream.agent.cli(["api", "fetch", "x509"]) }
            #expect(served.stdout.contains("spiffe://example.org/cluster-b/spire-server"), "\(served.stdout)")
            let upstreamRoot = upstream.server.directory + "/upstream-root.pem"
            let rootPEM = try await upstream.server.cli(["bundle", "show"])
            try rootPEM.stdout.write(toFile: upstreamRoot, atomically: true, encoding: .utf8)

            let downstream = try TrustDomainFixture(serverPlugins: Self.downstreamPlugins(upstream: upstream))
            try await TrustDomainFixture.with(downstream) { downstream in
                // The downstream publishes the upstream's roots: its own CA is an intermediate.
                let downstreamBundle = try await downstream.server.cli(["bundle", "show"])
                #expect(try Self.certificates(upstreamRoot) == (try Self.certificates(downstream.bundlePath)), "downstream bundle: \(downstreamBundle.stdout)")
                let shown = try await downstream.server.cli(["localauthority", "x509", "show"])
                #expect(shown.stdout.contains("Upstream authority Subject Key ID: "), "the downstream's CA is signed upstream: \(shown.stdout)")
                #expect(downstream.server.logText.contains("JWT key published upstream"), "the downstream published its JWT key upstream")

                try await downstream.createEntry(spiffeID: "spiffe://example.org/cluster-b/web", selectors: ["unix:uid:\(Self.uid)"])
                let bDir = downstream.agent.directory + "/b-web"
                let bFetched = try await eventually { try await downstream.agent.cli(["api", "fetch", "x509", "-write", bDir]) }
                #expect(bFetched.stdout.contains("spiffe://example.org/cluster-b/web"), "\(bFetched.stdout)")
                #expect(try Self.certificates(bDir + "/svid.0.pem").count == 2, "leaf and the downstream CA")
                let bVerified = try await Self.verify(chain: bDir + "/svid.0.pem", roots: upstreamRoot)
                #expect(bVerified.ok, "openssl verify against the upstream root: \(bVerified.output)")

                // Cluster A's workload (upstream agent) and cluster B's verify each other with the bundles they hold.
                let aDir = upstream.agent.directory + "/a-web"
                try FileManager.default.createDirectory(atPath: aDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
                let aFetched = try await eventually { try await upstream.agent.cli(["api", "fetch", "x509", "-write", aDir], asUser: Self.otherUID) }
                #expect(aFetched.stdout.contains("spiffe://example.org/cluster-a/web"), "\(aFetched.stdout)")
                #expect(try await Self.verify(chain: bDir + "/svid.0.pem", roots: aDir + "/bundle.0.pem").ok, "A verifies B")
                #expect(try await Self.verify(chain: aDir + "/svid.0.pem", roots: bDir + "/bundle.0.pem").ok, "B verifies A")

                // JWT: the downstream published its key upstream, so A validates B's token; B holds A's keys too.
                let bToken = try await eventually { try await downstream.agent.cli(["api", "fetch", "jwt", "-audience", "orders"]) }
                let token = try #require(bToken.stdout.split(separator: "\n").dropFirst().first?.trimmingCharacters(in: .whitespaces))
                let aValidates = try await retrying(for: .seconds(15), until: { $0.status == 0 }) {
                    try await upstream.agent.cli(["api", "validate", "jwt", "-audience", "orders", "-svid", token], asUser: Self.otherUID)
                }
                #expect(aValidates.status == 0, "cluster A validates cluster B's JWT-SVID: \(aValidates.stdout) \(aValidates.stderr)")
                let aToken = try await eventually { try await upstream.agent.cli(["api", "fetch", "jwt", "-audience", "payments"], asUser: Self.otherUID) }
                let tokenA = try #require(aToken.stdout.split(separator: "\n").dropFirst().first?.trimmingCharacters(in: .whitespaces))
                let bValidates = try await retrying(for: .seconds(15), until: { $0.status == 0 }) {
                    try await downstream.agent.cli(["api", "validate", "jwt", "-audience", "payments", "-svid", tokenA])
                }
                #expect(bValidates.status == 0, "cluster B validates cluster A's JWT-SVID (upstream keys followed): \(bValidates.stdout) \(bValidates.stderr)")

                // A rotation of the downstream CA: the new one is minted upstream, activated, and the workload's new
                // SVID still verifies against the upstream root.
                let before = try Self.certificates(bDir + "/svid.0.pem")[1]
                let prepared = try await downstream.server.cli(["localauthority", "x509", "prepare", "-output", "json"])
                #expect(prepared.status == 0, "\(prepared.stderr)")
                let preparedObject = try #require(try JSONSerialization.jsonObject(with: Data(prepared.stdout.utf8)) as? [String: Any])
                let next = try #require((preparedObject["prepared_authority"] as? [String: Any])?["authority_id"] as? String)
                let activated = try await downstream.server.cli(["localauthority", "x509", "activate", "-authorityID", next])
                #expect(activated.status == 0, "\(activated.stderr)")
                let rotatedDir = downstream.agent.directory + "/b-web-rotated"
                _ = try await retrying(for: .seconds(15), until: { ((try? Self.certificates(rotatedDir + "/svid.0.pem"))?.last ?? before) != before }) {
                    _ = try await downstream.agent.cli(["api", "fetch", "x509", "-write", rotatedDir])
                    return ()
                }
                let after = try Self.certificates(rotatedDir + "/svid.0.pem")
                #expect(after.count == 2 && after[1] != before, "the workload's SVID is signed by the new downstream CA")
                let rotatedVerified = try await Self.verify(chain: rotatedDir + "/svid.0.pem", roots: upstreamRoot)
                #expect(rotatedVerified.ok, "after the rotation: \(rotatedVerified.output)")
                #expect(try await Self.verify(chain: rotatedDir + "/svid.0.pem", roots: aDir + "/bundle.0.pem").ok, "A still verifies B")

                // A rotation upstream: its new root reaches the downstream's bundle (read every 5 s) and its agent.
                let upstreamPrepared = try await upstream.server.cli(["localauthority", "x509", "prepare"])
                #expect(upstreamPrepared.status == 0, "\(upstreamPrepared.stderr)")
                let followed = try await retrying(for: .seconds(20), until: { $0.components(separatedBy: "BEGIN CERTIFICATE").count == 3 }) {
                    try await downstream.server.cli(["bundle", "show"]).stdout
                }
                #expect(followed.components(separatedBy: "BEGIN CERTIFICATE").count == 3, "the downstream publishes the upstream's new root: \(followed)")
                #expect(followed == (try await upstream.server.cli(["bundle", "show"]).stdout), "the same roots as the upstream's bundle")

                // The upstream out of reach (its agent stopped): the downstream restarts on the CA in its journal.
                _ = try await upstream.agent.stop()
                #expect(try await downstream.server.stop() == 0)
                try await downstream.server.start()
                #expect(try await downstream.server.cli(["bundle", "show"]).status == 0)
                try await upstream.agent.start(joinToken: nil)
                _ = try await eventually { try await upstream.agent.cli(["api", "fetch", "x509"]) }
            }

            // A server whose SVID comes from an entry without -downstream is refused its CA, and says why.
            #expect(try await upstream.server.cli(["entry", "delete", "-entryID", downstreamEntry]).status == 0)
            try await upstream.createEntry(spiffeID: "spiffe://example.org/cluster-c/impostor", selectors: ["unix:uid:\(Self.uid)"])
            let swapped = try await retrying(for: .seconds(15), until: { $0.stdout.contains("cluster-c/impostor") && !$0.stdout.contains("cluster-b/spire-server") }) {
                try await upstream.agent.cli(["api", "fetch", "x509"])
            }
            #expect(swapped.stdout.contains("cluster-c/impostor"), "\(swapped.stdout)")
            let impostor = try ServerProcess(bindPort: try freeTCPPort(), plugins: Self.downstreamPlugins(upstream: upstream))
            let process = try impostor.launch()
            let stopped = try await retrying(for: .seconds(30), until: { !$0 }) { process.isRunning }
            #expect(!stopped && process.terminationStatus != 0, "the server without a -downstream entry exits with an error")
            let log = impostor.logText
            #expect(log.contains("refused NewDownstreamX509CA for spiffe://example.org/cluster-c/impostor"), "\(log)")
            #expect(log.contains("authorization denied for method /spire.api.server.svid.v1.SVID/NewDownstreamX509CA"), "\(log)")
            _ = try? await impostor.stop()
        }
    }
}
