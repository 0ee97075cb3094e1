import Foundation
import SteepleTestSupport
import Testing

/// `audit_log_enabled = true` in a real server: SPIRE's `API accessed` lines for admin calls (one per batch element,
/// each with its own status; refusals too) and Steeple's `SVID issued` line for every SVID signed.
@Suite("audit log end to end", .serialized)
struct AuditLogEndToEndTests {
    @Test("admin calls and issued SVIDs each leave one structured line with SPIRE's field names (a batch element, a refusal and an issued SVID included)")
    func auditLines() async throws {
        let fixture = try TrustDomainFixture(serverLines: ["audit_log_enabled = true", #"log_format = "json""#])
        try await TrustDomainFixture.with(fixture) { fixture in
            let entryID = try await fixture.createEntry(spiffeID: "spiffe://example.org/audited", selectors: ["unix:uid:\(getuid())"])
            // The same entry again: the batch element fails, the call succeeds.
            let duplicate = try await fixture.server.cli(["entry", "create", "-parentID", fixture.agentID, "-spiffeID", "spiffe://example.org/audited", "-selector", "unix:uid:\(getuid())"])
            #expect(duplicate.status != 0)
            #expect(try await fixture.server.cli(["entry", "show", "-entryID", "no-such-entry"]).status != 0)
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            #expect(try await fixture.agent.cli(["api", "fetch", "jwt", "-audience", "audit-test"]).status == 0)
            #expect(try await fixture.server.stop() == 0)

            let lines = JSONLogEndToEndTests.objects(try String(contentsOfFile: fixture.server.log, encoding: .utf8), of: "steeple-server")
            let api = lines.filter { $0["msg"] as? String == "API accessed" }
            for line in api {
                #expect(line["type"] as? String == "audit")
                #expect(line["caller_uid"] as? String == String(geteuid()), "\(line)")
                #expect((line["caller_path"] as? String)?.hasSuffix("steeple-server") == true, "\(line)")
                #expect((line["request_id"] as? String)?.count == 36)
            }
            let created = api.filter { $0["method"] as? String == "BatchCreateEntry" }
            #expect(created.count == 2, "\(created)")
            let first = try #require(created.first)
            #expect(first["service"] as? String == "entry.v1.Entry")
            #expect(first["status"] as? String == "success")
            #expect(first["spiffe_id"] as? String == "spiffe://example.org/audited")
            #expect(first["parent_id"] as? String == fixture.agentID)
            #expect(first["selectors"] as? String == "unix:uid:\(getuid())")
            let second = try #require(created.last)
            #expect(second["status"] as? String == "error")
            #expect(second["status_code"] as? String == "AlreadyExists", "\(second)")
            let missing = try #require(api.first { $0["method"] as? String == "GetEntry" })
            #expect(missing["entry_id"] as? String == "no-such-entry")
            #expect(missing["status_code"] as? String == "NotFound", "\(missing)")
            let token = try #require(api.first { $0["method"] as? String == "CreateJoinToken" })
            #expect(token["status"] as? String == "success")
            #expect(token["token"] == nil, "the response's token is not logged")

            let issued = lines.filter { $0["msg"] as? String == "SVID issued" }
            let agentSVID = try #require(issued.first { $0["spiffe_id"] as? String == fixture.agentID }, "\(issued)")
            #expect(agentSVID["svid_type"] as? String == "x509")
            #expect(agentSVID["caller_id"] as? String == fixture.agentID)
            let workload = try #require(issued.first { $0["spiffe_id"] as? String == "spiffe://example.org/audited" && $0["svid_type"] as? String == "x509" })
            #expect(workload["entry_id"] as? String == entryID)
            #expect(workload["caller_id"] as? String == fixture.agentID)
            #expect((workload["serial_num"] as? String)?.isEmpty == false)
            #expect(Int(workload["expires_at"] as? String ?? "") ?? 0 > Int(Date().timeIntervalSince1970))
            let jwt = try #require(issued.first { $0["svid_type"] as? String == "jwt" })
            #expect(jwt["audience"] as? String == "audit-test")
            #expect(jwt["entry_id"] as? String == entryID)
        }
    }

    @Test("without audit_log_enabled there are no audit lines")
    func off() async throws {
        let fixture = try TrustDomainFixture()
        try await TrustDomainFixture.with(fixture) { fixture in
            try await fixture.createEntry(spiffeID: "spiffe://example.org/quiet", selectors: ["unix:uid:\(getuid())"])
            _ = try await eventually { try await fixture.agent.cli(["api", "fetch", "x509"]) }
            let log = try String(contentsOfFile: fixture.server.log, encoding: .utf8)
            #expect(!log.contains("API accessed") && !log.contains("SVID issued") && !log.contains("type=audit"))
        }
    }
}
