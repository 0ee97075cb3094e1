import SteepleServerAPIProto
import SPIREAPIProto
import Testing

@testable import steeple_server

@Suite("the -data reader takes SPIRE's entry JSON")
struct EntryBatchFileTests {
    static let document = """
        {
          "entries": [
            {
              "selectors": [{"type": "unix", "value": "uid:1000"}, {"type": "unix", "value": "gid:50"}],
              "spiffe_id": "spiffe://example.org/web",
              "parent_id": "spiffe://example.org/agent",
              "x509_svid_ttl": 3600,
              "jwt_svid_ttl": 300,
              "federates_with": ["spiffe://other.org", "third.org"],
              "entry_id": "web-entry",
              "admin": true,
              "downstream": false,
              "entryExpiry": 1700000000,
              "dns_names": ["web.example.org"],
              "revision_number": 4,
              "store_svid": true,
              "hint": "internal"
            },
            {
              "selectors": [{"type": "k8s", "value": "ns:default"}],
              "spiffe_id": "spiffe://example.org/db",
              "parent_id": "spiffe://example.org/agent",
              "ttl": 120
            }
          ]
        }
        """

    @Test("every key of SPIRE's RegistrationEntry is read; federates_with is sent as names")
    func valid() throws {
        let entries = try EntryBatchFile.parse(Array(Self.document.utf8), source: "entries.json", purpose: .create)
        #expect(entries.count == 2)

        var web = Spire_Api_Types_Entry()
        web.id = "web-entry"
        web.spiffeID = "spiffe://example.org/web"
        web.parentID = "spiffe://example.org/agent"
        web.selectors = [
            EntryCommandParsingTests.selector("unix", "uid:1000"), EntryCommandParsingTests.selector("unix", "gid:50"),
        ]
        web.x509SvidTtl = 3600
        web.jwtSvidTtl = 300
        web.federatesWith = ["other.org", "third.org"]
        web.admin = true
        web.expiresAt = 1_700_000_000
        web.dnsNames = ["web.example.org"]
        web.storeSvid = true
        web.hint = "internal"
        #expect(entries[0] == web)

        #expect(entries[1].spiffeID == "spiffe://example.org/db")
        #expect(entries[1].x509SvidTtl == 120, "the older ttl key is the X509-SVID TTL")
        #expect(entries[1].id.isEmpty)
    }

    @Test("malformed JSON is refused, naming the source and SPIRE's expected shape")
    func malformedJSON() throws {
        let error = #expect(throws: CLIError.self) {
            try EntryBatchFile.parse(Array("{\"entries\": [".utf8), source: "bad.json", purpose: .create)
        }
        #expect(try #require(error).message.hasPrefix("cannot read bad.json as SPIRE's entry JSON ({\"entries\": [...]}): "))
    }

    @Test("a value of the wrong type is refused, naming its path")
    func wrongType() throws {
        let json = #"{"entries": [{"spiffe_id": "spiffe://e.org/w", "parent_id": "spiffe://e.org/a", "selectors": [{"type": "a", "value": "b"}], "x509_svid_ttl": "1h"}]}"#
        let error = #expect(throws: CLIError.self) {
            try EntryBatchFile.parse(Array(json.utf8), source: "f.json", purpose: .create)
        }
        #expect(try #require(error).message.hasSuffix("entries[0].x509_svid_ttl: expected Int32"))
    }

    @Test("a document without entries is refused", arguments: ["{}", #"{"entries": []}"#, #"{"ids": ["x"]}"#])
    func noEntries(json: String) {
        #expect(throws: CLIError("f.json has no entries: expected {\"entries\": [...]} with at least one entry")) {
            try EntryBatchFile.parse(Array(json.utf8), source: "f.json", purpose: .create)
        }
    }

    @Test("each entry is checked as the flags are, naming the entry")
    func entryChecks() {
        let noSelectors = #"{"entries": [{"spiffe_id": "spiffe://e.org/w", "parent_id": "spiffe://e.org/a"}]}"#
        #expect(throws: CLIError("entry 1 of stdin: at least one selector (selectors) is required")) {
            try EntryBatchFile.parse(Array(noSelectors.utf8), source: "stdin", purpose: .create)
        }
        let badSelector = #"{"entries": [{"spiffe_id": "spiffe://e.org/w", "parent_id": "spiffe://e.org/a", "selectors": [{"type": "unix"}]}]}"#
        #expect(
            throws: CLIError(
                "entry 1 of f.json: selector \"unix:\" must be formatted as type:value, both non-empty (for example unix:uid:1000)"
            )
        ) {
            try EntryBatchFile.parse(Array(badSelector.utf8), source: "f.json", purpose: .create)
        }
        let noParent = #"{"entries": [{"spiffe_id": "spiffe://e.org/w", "selectors": [{"type": "a", "value": "b"}]}]}"#
        #expect(throws: CLIError("entry 1 of f.json: a parent ID (parent_id) is required")) {
            try EntryBatchFile.parse(Array(noParent.utf8), source: "f.json", purpose: .create)
        }
    }

    @Test("entries to update need their entry_id")
    func updateNeedsID() {
        #expect(throws: CLIError("entry 2 of f.json: an entry ID (entry_id) is required")) {
            let json = #"{"entries": [{"entry_id": "a", "spiffe_id": "spiffe://e.org/w", "parent_id": "spiffe://e.org/a", "selectors": [{"type": "a", "value": "b"}]}, {"spiffe_id": "spiffe://e.org/w", "parent_id": "spiffe://e.org/a", "selectors": [{"type": "a", "value": "b"}]}]}"#
            return try EntryBatchFile.parse(Array(json.utf8), source: "f.json", purpose: .update)
        }
    }

    @Test("the -file of entry delete is SPIRE's {\"ids\": [...]}")
    func deleteFile() throws {
        #expect(try EntryDeleteFile.parse(Array(#"{"ids": ["a", "b"]}"#.utf8), source: "ids.json") == ["a", "b"])
        #expect(throws: CLIError("ids.json has no entry IDs: expected {\"ids\": [...]} with at least one ID")) {
            try EntryDeleteFile.parse(Array(#"{"ids": []}"#.utf8), source: "ids.json")
        }
        #expect(throws: CLIError.self) {
            try EntryDeleteFile.parse(Array("[1, 2]".utf8), source: "ids.json")
        }
    }

    @Test("keys match in any case, as Go's encoding/json matches them; an exact key wins over a folded one")
    func goCaseInsensitiveKeys() throws {
        #expect(try EntryDeleteFile.parse(Array(#"{"IDS": ["a"]}"#.utf8), source: "ids.json") == ["a"])
        #expect(try EntryDeleteFile.parse(Array(#"{"Ids": ["b"], "ids": ["c"]}"#.utf8), source: "ids.json") == ["c"])
        let document = #"""
            {"Entries": [{"SPIFFE_ID": "spiffe://example.org/web", "Parent_Id": "spiffe://example.org/agent",
                          "Selectors": [{"Type": "unix", "VALUE": "uid:1000"}], "X509_SVID_TTL": 60, "EntryExpiry": 5,
                          "Federates_With": ["other.org"], "unknown_key": 1}]}
            """#
        let entries = try EntryBatchFile.parse(Array(document.utf8), source: "data.json", purpose: .create)
        #expect(entries.count == 1)
        #expect(entries.first?.spiffeID == "spiffe://example.org/web")
        #expect(entries.first?.parentID == "spiffe://example.org/agent")
        #expect(entries.first?.selectors.first?.value == "uid:1000")
        #expect(entries.first?.x509SvidTtl == 60)
        #expect(entries.first?.expiresAt == 5)
        #expect(entries.first?.federatesWith == ["other.org"])
    }
}
