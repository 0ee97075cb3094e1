import SteepleServerAPIProto
import SPIREAPIProto
import Testing

@testable import steeple_server

@Suite("entries print exactly as SPIRE prints them")
struct EntryPrinterTests {
    static func entry() -> Spire_Api_Types_Entry {
        var entry = Spire_Api_Types_Entry()
        entry.id = "00000000-0000-0000-0000-000000000000"
        entry.spiffeID = "spiffe://example.org/son"
        entry.parentID = "spiffe://example.org/father"
        entry.selectors = [EntryCommandParsingTests.selector("foo", "bar")]
        return entry
    }

    @Test("a plain entry: SPIRE's labels, default TTLs and a closing blank line")
    func plain() {
        #expect(EntryPrinter.block(Self.entry()) == """
            Entry ID         : 00000000-0000-0000-0000-000000000000
            SPIFFE ID        : spiffe://example.org/son
            Parent ID        : spiffe://example.org/father
            Revision         : 0
            X509-SVID TTL    : default
            JWT-SVID TTL     : default
            Selector         : foo:bar


            """)
    }

    @Test("every optional line, in SPIRE's order")
    func everything() {
        var entry = Self.entry()
        entry.revisionNumber = 3
        entry.downstream = true
        entry.x509SvidTtl = 3600
        entry.jwtSvidTtl = 300
        entry.expiresAt = 1_552_410_266
        entry.selectors.append(EntryCommandParsingTests.selector("unix", "uid:1000"))
        entry.federatesWith = ["domain.test", "other.test"]
        entry.dnsNames = ["son.example.org"]
        entry.admin = true
        entry.storeSvid = true
        entry.hint = "external"
        #expect(EntryPrinter.block(entry) == """
            Entry ID         : 00000000-0000-0000-0000-000000000000
            SPIFFE ID        : spiffe://example.org/son
            Parent ID        : spiffe://example.org/father
            Revision         : 3
            Downstream       : true
            X509-SVID TTL    : 3600
            JWT-SVID TTL     : 300
            Expiration time  : 2019-03-12 17:04:26 +0000 UTC
            Selector         : foo:bar
            Selector         : unix:uid:1000
            FederatesWith    : domain.test
            FederatesWith    : other.test
            DNS name         : son.example.org
            Admin            : true
            StoreSvid        : true
            Hint             : external


            """)
    }

    @Test("an entry without an ID (a rejected create) shows (none)")
    func noID() {
        var entry = Self.entry()
        entry.id = ""
        #expect(EntryPrinter.block(entry).hasPrefix("Entry ID         : (none)\n"))
    }

    @Test("entry show: Found N entries, pluralized as SPIRE")
    func found() {
        #expect(EntryPrinter.found([]) == "Found 0 entries\n")
        #expect(EntryPrinter.found([Self.entry()]) == "Found 1 entry\n" + EntryPrinter.block(Self.entry()))
        #expect(EntryPrinter.found([Self.entry(), Self.entry()]).hasPrefix("Found 2 entries\nEntry ID"))
    }

    @Test("entry count: N registration entries")
    func count() {
        #expect(EntryPrinter.count(0) == "0 registration entries\n")
        #expect(EntryPrinter.count(1) == "1 registration entry\n")
        #expect(EntryPrinter.count(42) == "42 registration entries\n")
    }

    @Test("a rejected create prints SPIRE's header on stderr, then the entry that was sent")
    func rejected() {
        var sent = Self.entry()
        sent.id = ""
        var ok = EntryResult()
        ok.entry = Self.entry()
        var failed = EntryResult()
        failed.status.code = 6
        failed.status.message = "similar entry already exists"
        let outcome = EntryBatchOutcome(verb: "create", sent: [Self.entry(), sent], results: [ok, failed])
        #expect(outcome.output == EntryPrinter.block(Self.entry()))
        #expect(outcome.errors == """
            Failed to create the following entry (code: AlreadyExists, msg: "similar entry already exists"):
            Entry ID         : (none)
            SPIFFE ID        : spiffe://example.org/son
            Parent ID        : spiffe://example.org/father
            Revision         : 0
            X509-SVID TTL    : default
            JWT-SVID TTL     : default
            Selector         : foo:bar


            """)
        #expect(outcome.failureCount == 1)
        #expect(EntryBatchOutcome.filledResults(sent: [Self.entry(), sent], results: [ok, failed])[1].entry == sent)
    }

    @Test("status messages are quoted as Go's %q; unknown codes print as Code(n)")
    func quoting() {
        var status = Spire_Api_Types_Status()
        status.code = 42
        status.message = "bad \"selector\"\n"
        #expect(EntryPrinter.failureHeader(verb: "update", status: status) == "Failed to update the following entry (code: Code(42), msg: \"bad \\\"selector\\\"\\n\"):\n")
    }

    @Test("entry delete prints SPIRE's lines and summary")
    func delete() {
        let ok = (id: "a", status: Spire_Api_Types_Status())
        var missing = (id: "", status: Spire_Api_Types_Status())
        missing.status.code = 5
        missing.status.message = "entry not found"
        let both = EntryDeleteOutcome(results: [ok, missing], ids: ["a", "b"])
        #expect(both.output == "Deleted entry with ID: a\n\n\n\n\nDeleted 1 entries successfully, but failed to delete 1 entries\n")
        #expect(both.errors == "Failed to delete entry with ID b (code: NotFound, msg: \"entry not found\")\n")
        #expect(both.failureCount == 1)

        let allGood = EntryDeleteOutcome(results: [ok], ids: ["a"])
        #expect(allGood.output == "Deleted entry with ID: a\n\n\nDeleted 1 entries successfully\n")
        #expect(allGood.errors.isEmpty)

        let allBad = EntryDeleteOutcome(results: [missing], ids: ["b"])
        #expect(allBad.output == "\n\nFailed to delete 1 entries\n")
    }

    @Test("entry show sorts as SPIRE: selectors within entries, then by SPIFFE ID and parent ID")
    func ordering() {
        var b = Self.entry()
        b.spiffeID = "spiffe://example.org/b"
        b.selectors = [EntryCommandParsingTests.selector("z", "1"), EntryCommandParsingTests.selector("a", "2")]
        var a2 = Self.entry()
        a2.spiffeID = "spiffe://example.org/a"
        a2.parentID = "spiffe://example.org/p2"
        var a1 = a2
        a1.parentID = "spiffe://example.org/p1"
        let sorted = EntryOrdering.sorted([b, a2, a1])
        #expect(sorted.map(\.parentID) == ["spiffe://example.org/p1", "spiffe://example.org/p2", "spiffe://example.org/father"])
        #expect(sorted[2].selectors.map(\.type) == ["a", "z"])
    }
}
