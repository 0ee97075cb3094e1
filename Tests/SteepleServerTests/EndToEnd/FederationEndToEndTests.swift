import Foundation
import SteepleTestSupport
import Testing

/// Issue #15 with real processes: one server serves its bundle endpoint (https_spiffe, its own SVID); another
/// federates with it from `server.conf`, bootstrapped by `bundle set`, and keeps the peer's bundle fresh by itself.
@Suite("federation end to end", .serialized)
struct FederationEndToEndTests {
    /// GETs (or POSTs) `url` without verifying the certificate; prints `status content-type` then the body.
    static let fetch = """
        import ssl, sys, urllib.request
        context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
        request = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"x" if sys.argv[2] == "POST" else None)
        try:
            response = urllib.request.urlopen(request, context=context, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        print(response.status, response.headers.get("Content-Type"))
        print(response.read().decode())
        """

    @Test("a server's bundle endpoint serves its SPIFFE bundle document; a federated server fetches it over https_spiffe and stores the peer's JWT keys too")
    func twoServers() async throws {
        let port = try freeTCPPort()
        let a = try ServerProcess(trustDomain: "a.test", extraServerLines: [
            "federation {", #"    bundle_endpoint {"#, #"        address = "127.0.0.1""#, "        port = \(port)",
            #"        refresh_hint = "4s""#, "    }", "}",
        ])
        let b = try ServerProcess(trustDomain: "b.test", extraServerLines: [
            "federation {", #"    federates_with "a.test" {"#, #"        bundle_endpoint_url = "https://127.0.0.1:\#(port)""#,
            #"        bundle_endpoint_profile "https_spiffe" { endpoint_spiffe_id = "spiffe://a.test/spire/server" }"#,
            "    }", "}",
        ])
        try await a.start()
        try await b.start()

        // The endpoint itself, as any HTTPS client sees it.
        let served = try await runTool("/usr/bin/python3", ["-c", Self.fetch, "https://127.0.0.1:\(port)/", "GET"])
        #expect(served.output.hasPrefix("200 application/json\n"), "\(served.output)")
        let document = try #require(served.output.split(separator: "\n", maxSplits: 1).last.map(String.init))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        #expect(object["spiffe_refresh_hint"] as? Int == 4)
        let uses = ((object["keys"] as? [[String: Any]]) ?? []).compactMap { $0["use"] as? String }
        #expect(uses.contains("x509-svid") && uses.contains("jwt-svid"), "\(uses)")
        let elsewhere = try await runTool("/usr/bin/python3", ["-c", Self.fetch, "https://127.0.0.1:\(port)/other", "GET"])
        #expect(elsewhere.output.hasPrefix("404 text/plain; charset=utf-8\n404 page not found"), "\(elsewhere.output)")
        let posted = try await runTool("/usr/bin/python3", ["-c", Self.fetch, "https://127.0.0.1:\(port)/", "POST"])
        #expect(posted.output.hasPrefix("405 text/plain; charset=utf-8\n405 method not allowed"), "\(posted.output)")

        // Bootstrap: B gets A's X.509 roots by hand (as SPIRE's docs do), then refreshes on its own.
        let pem = try await a.cli(["bundle", "show"])
        #expect(pem.status == 0, "\(pem.stderr)")
        let set = try await b.cli(["bundle", "set", "-id", "spiffe://a.test"], stdin: pem.stdout)
        #expect(set.status == 0, "\(set.stderr)")
        var stored = ""
        let deadline = Date().addingTimeInterval(40)
        while Date() < deadline {
            stored = try await b.cli(["bundle", "list", "-id", "spiffe://a.test", "-format", "spiffe"]).stdout
            if stored.contains("jwt-svid") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(stored.contains("jwt-svid") && stored.contains("\"spiffe_refresh_hint\": 4"), "B never stored A's full bundle: \(stored)\n\((try? String(contentsOfFile: b.log, encoding: .utf8)) ?? "")")
        let log = (try? String(contentsOfFile: b.log, encoding: .utf8)) ?? ""
        #expect(log.contains("bundle refreshed"), "\(log)")

        #expect(try await b.stop() == 0)
        #expect(try await a.stop() == 0)
    }

    @Test("federation create|list|show|update|refresh|delete: a dynamic relationship in SPIRE's grammar and output, refreshed on demand")
    func dynamicRelationship() async throws {
        let port = try freeTCPPort()
        let a = try ServerProcess(trustDomain: "a.test", extraServerLines: [
            "federation {", #"    bundle_endpoint {"#, #"        address = "127.0.0.1""#, "        port = \(port)", "    }", "}",
        ])
        let b = try ServerProcess(trustDomain: "b.test")
        try await a.start()
        try await b.start()
        let pemPath = b.directory + "/a.pem"
        try await a.cli(["bundle", "show"]).stdout.write(toFile: pemPath, atomically: true, encoding: .utf8)

        let created = try await b.cli([
            "federation", "create", "-trustDomain", "a.test", "-bundleEndpointURL", "https://127.0.0.1:\(port)",
            "-bundleEndpointProfile", "https_spiffe", "-endpointSpiffeID", "spiffe://a.test/spire/server", "-trustDomainBundlePath", pemPath,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout == """

            Trust domain              : a.test
            Bundle endpoint URL       : https://127.0.0.1:\(port)
            Bundle endpoint profile   : https_spiffe
            Endpoint SPIFFE ID        : spiffe://a.test/spire/server

            """)
        let again = try await b.cli(["federation", "create", "-trustDomain", "a.test", "-bundleEndpointURL", "https://x.test/", "-bundleEndpointProfile", "https_web"])
        #expect(again.status == 1)
        #expect(again.stderr.hasPrefix("Failed to create the following federation relationship (code: AlreadyExists, msg: "), "\(again.stderr)")
        #expect(again.stderr.hasSuffix("Error: failed to create one or more federation relationships\n"), "\(again.stderr)")
        let badProfile = try await b.cli(["federation", "create", "-trustDomain", "c.test", "-bundleEndpointURL", "https://c.test/", "-bundleEndpointProfile", "web"])
        #expect(badProfile.stderr == "Error: unknown bundle endpoint profile type: \"web\"\n", "\(badProfile.stderr)")

        let listed = try await b.cli(["federation", "list"])
        #expect(listed.stdout.hasPrefix("Found 1 federation relationship\n\nTrust domain              : a.test\n"), "\(listed.stdout)")
        let json = try await b.cli(["federation", "show", "-trustDomain", "a.test", "-output", "json"])
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)")
        #expect((shown["https_spiffe"] as? [String: Any])?["endpoint_spiffe_id"] as? String == "spiffe://a.test/spire/server")
        #expect((shown["trust_domain_bundle"] as? [String: Any])?["trust_domain"] as? String == "a.test", "\(json.stdout)")

        // A new relationship is fetched at once; RefreshBundle fetches again now. Either way B holds A's JWT keys too.
        let refreshed = try await b.cli(["federation", "refresh", "-id", "a.test"])
        #expect(refreshed.stdout == "Bundle refreshed\n", "\(refreshed.stderr)")
        let after = try await b.cli(["federation", "show", "-trustDomain", "a.test", "-output", "json"])
        let bundle = try #require((try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])?["trust_domain_bundle"] as? [String: Any])
        #expect((bundle["jwt_authorities"] as? [Any])?.isEmpty == false, "\(after.stdout)")

        let updated = try await b.cli(["federation", "update", "-trustDomain", "a.test", "-bundleEndpointURL", "https://127.0.0.1:1/", "-bundleEndpointProfile", "https_web"])
        #expect(updated.stdout.contains("Bundle endpoint profile   : https_web\n"), "\(updated.stderr)")
        let failing = try await b.cli(["federation", "refresh", "-id", "a.test"])
        #expect(failing.status == 1 && failing.stderr.hasPrefix("Error: failed to refresh bundle: rpc error: code = Internal desc = failed to refresh bundle: "), "\(failing.stderr)")
        let deleted = try await b.cli(["federation", "delete", "-id", "a.test"])
        #expect(deleted.stdout == "federation relationship deleted.\n", "\(deleted.stderr)")
        let none = try await b.cli(["federation", "refresh", "-id", "a.test"])
        #expect(none.stderr == "Error: there is no federation relationship with trust domain \"a.test\"\n", "\(none.stderr)")
        let missing = try await b.cli(["federation", "delete", "-id", "a.test"])
        #expect(missing.stderr == "Error: failed to delete federation relationship \"a.test\": federation relationship not found\n", "\(missing.stderr)")
        #expect(try await b.cli(["federation", "list", "-output", "json"]).stdout == #"{"federation_relationships":[],"next_page_token":""}"# + "\n")

        #expect(try await b.stop() == 0)
        #expect(try await a.stop() == 0)
    }

    /// A CA and a leaf for 127.0.0.1 made with openssl in `directory`; returns the leaf's serial as openssl prints it.
    @discardableResult
    static func webCertificates(in directory: String, leaf: String = "leaf") throws -> String {
        func openssl(_ arguments: [String]) throws {
            let run = try runToolBlocking(ChildProcess.openssl, arguments)
            try #require(run.status == 0, "openssl \(arguments.joined(separator: " ")): \(run.output)")
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        if !FileManager.default.fileExists(atPath: directory + "/ca.pem") {
            try openssl(["req", "-x509"] + ec + ["-keyout", directory + "/ca.key", "-out", directory + "/ca.pem", "-days", "1", "-subj", "/CN=steeple test web CA"])
        }
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        try openssl(["req"] + ec + ["-keyout", directory + "/\(leaf).key", "-out", directory + "/\(leaf).csr", "-subj", "/CN=127.0.0.1"])
        try openssl(["x509", "-req", "-in", directory + "/\(leaf).csr", "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key", "-set_serial", String(Int.random(in: 1000 ... 999_999)),
                     "-out", directory + "/\(leaf).pem", "-days", "1", "-extfile", directory + "/san.ext"])
        let serial = try runToolBlocking(ChildProcess.openssl, ["x509", "-in", directory + "/\(leaf).pem", "-noout", "-serial"])
        return serial.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The serial of the certificate `127.0.0.1:port` presents.
    static func servedSerial(port: Int) async throws -> String {
        let script = "echo | \(ChildProcess.openssl) s_client -connect 127.0.0.1:\(port) 2>/dev/null | \(ChildProcess.openssl) x509 -noout -serial"
        return try await runTool("/bin/sh", ["-c", script]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("https_web: the bundle endpoint serves a certificate made in-test (curl verifies it), reloads its files when they change, and a peer federates over Web PKI",
          .enabled(if: ChildProcess.hasOpenSSL, "needs /usr/bin/openssl"))
    func httpsWeb() async throws {
        let port = try freeTCPPort()
        let directory = NSTemporaryDirectory() + "steeple-web-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let firstSerial = try Self.webCertificates(in: directory)
        try FileManager.default.copyItem(atPath: directory + "/leaf.pem", toPath: directory + "/serving.pem")
        try FileManager.default.copyItem(atPath: directory + "/leaf.key", toPath: directory + "/serving.key")
        let a = try ServerProcess(trustDomain: "a.test", extraServerLines: [
            "federation {", "    bundle_endpoint {", #"        address = "127.0.0.1""#, "        port = \(port)",
            #"        profile "https_web" {"#, "            serving_cert_file {",
            #"                cert_file_path = "\#(directory)/serving.pem""#, #"                key_file_path = "\#(directory)/serving.key""#,
            #"                file_sync_interval = "1s""#, "            }", "        }", "    }", "}",
        ])
        let b = try ServerProcess(trustDomain: "b.test", extraServerLines: [
            "federation {", #"    federates_with "a.test" {"#, #"        bundle_endpoint_url = "https://127.0.0.1:\#(port)/""#,
            #"        bundle_endpoint_profile "https_web" {}"#, "    }", "}",
        ])
        b.environment = ["SSL_CERT_FILE": directory + "/ca.pem", "SSL_CERT_DIR": directory]
        try await a.start()
        try await b.start()

        let curl = try await runTool("/usr/bin/curl", ["-sS", "--cacert", directory + "/ca.pem", "-w", "\n%{http_code} %{content_type}", "https://127.0.0.1:\(port)/"])
        #expect(curl.status == 0 && curl.output.hasSuffix("\n200 application/json") && curl.output.contains("\"x509-svid\""), "\(curl.output)")
        let untrusted = try await runTool("/usr/bin/curl", ["-sS", "https://127.0.0.1:\(port)/"], environment: ["SSL_CERT_FILE": "/dev/null", "SSL_CERT_DIR": "/nonexistent", "PATH": "/usr/bin:/bin"])
        #expect(untrusted.status != 0, "curl trusted a certificate of the test CA without it: \(untrusted.output)")

        // B (SSL_CERT_FILE: the test CA) fetches A's bundle over Web PKI by itself, JWT keys included.
        var stored = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            stored = try await b.cli(["bundle", "list", "-id", "spiffe://a.test", "-format", "spiffe"]).stdout
            if stored.contains("jwt-svid") { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(stored.contains("jwt-svid"), "B never stored A's bundle over https_web: \((try? String(contentsOfFile: b.log, encoding: .utf8)) ?? "")")

        // New files are served within file_sync_interval, without a restart.
        #expect(try await Self.servedSerial(port: port) == firstSerial)
        let secondSerial = try Self.webCertificates(in: directory, leaf: "leaf2")
        #expect(secondSerial != firstSerial)
        try FileManager.default.removeItem(atPath: directory + "/serving.key")
        try FileManager.default.copyItem(atPath: directory + "/leaf2.key", toPath: directory + "/serving.key")
        try FileManager.default.removeItem(atPath: directory + "/serving.pem")
        try FileManager.default.copyItem(atPath: directory + "/leaf2.pem", toPath: directory + "/serving.pem")
        var served = ""
        let reloadDeadline = Date().addingTimeInterval(15)
        while Date() < reloadDeadline {
            served = try await Self.servedSerial(port: port)
            if served == secondSerial { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(served == secondSerial, "the endpoint still serves \(served)")

        #expect(try await b.stop() == 0)
        #expect(try await a.stop() == 0)
    }
}
