import ArgumentParser
import SteepleServerAPIProto
import SPIREAPIProto
import Testing

@testable import steeple_server

@Suite("entry create and update check their flags before calling the server")
struct EntryValidationTests {
    static let base = ["-spiffeID", "spiffe://example.org/web", "-parentID", "spiffe://example.org/agent"]

    @Test(
        "a selector must be type:value with both parts non-empty; the error names the selector and the form",
        arguments: ["unix", "unix:", ":uid:1000", ":", ""]
    )
    func malformedSelector(selector: String) {
        let message = EntryCreate.parseMessage(Self.base + ["-selector", selector])
        #expect(
            message == "selector \"\(selector)\" must be formatted as type:value, both non-empty (for example unix:uid:1000)"
        )
    }

    @Test("everything after the first colon is the selector's value")
    func selectorValueKeepsColons() throws {
        let selector = try SelectorArgument.parse("k8s:pod-label:app:web")
        #expect(selector.type == "k8s")
        #expect(selector.value == "pod-label:app:web")
    }

    @Test("at least one selector is required")
    func noSelector() {
        #expect(EntryCreate.parseMessage(Self.base) == "at least one selector is required")
    }

    @Test("a parent ID is required unless -node is set")
    func noParent() {
        #expect(
            EntryCreate.parseMessage(["-spiffeID", "spiffe://example.org/web", "-selector", "unix:uid:1"])
                == "a parent ID is required if the node flag is not set"
        )
    }

    @Test("a SPIFFE ID is required")
    func noSPIFFEID() {
        #expect(
            EntryCreate.parseMessage(["-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:1"])
                == "a SPIFFE ID is required"
        )
    }

    @Test("-node makes the parent the server of -spiffeID's trust domain")
    func nodeParent() throws {
        let command = try EntryCreate.parse(["-spiffeID", "spiffe://prod.example/host/web-1", "-node", "-selector", "join_token:abc"])
        let entry = try command.fields.entry(node: command.node, purpose: .create)
        #expect(entry.parentID == "spiffe://prod.example/spire/server")
        #expect(entry.spiffeID == "spiffe://prod.example/host/web-1")
    }

    @Test("-node overrides -parentID")
    func nodeWinsOverParent() throws {
        let command = try EntryCreate.parse(Self.base + ["-node", "-selector", "a:b"])
        #expect(try command.fields.entry(node: true, purpose: .create).parentID == "spiffe://example.org/spire/server")
    }

    @Test("node entries can not federate, as SPIRE")
    func nodeCannotFederate() {
        #expect(
            EntryCreate.parseMessage(["-spiffeID", "spiffe://example.org/n", "-node", "-selector", "a:b", "-federatesWith", "other.org"])
                == "node entries can not federate"
        )
    }

    @Test("a malformed SPIFFE ID is refused, naming the flag and the value")
    func malformedID() throws {
        let message = try #require(EntryCreate.parseMessage(["-spiffeID", "http://example.org/web", "-parentID", "spiffe://example.org/a", "-selector", "a:b"]))
        #expect(message.hasPrefix("invalid -spiffeID \"http://example.org/web\": "))
        let parent = try #require(EntryCreate.parseMessage(["-spiffeID", "spiffe://example.org/web", "-parentID", "spiffe://Example.org/a", "-selector", "a:b"]))
        #expect(parent.hasPrefix("invalid -parentID \"spiffe://Example.org/a\": "))
    }

    @Test("negative TTLs are refused with SPIRE's messages")
    func negativeTTL() {
        #expect(EntryCreate.parseMessage(Self.base + ["-selector", "a:b", "-x509SVIDTTL", "-1"]) == "a positive x509-SVID TTL is required")
        #expect(EntryCreate.parseMessage(Self.base + ["-selector", "a:b", "-jwtSVIDTTL", "-5"]) == "a positive JWT-SVID TTL is required")
    }

    @Test("-federatesWith takes a trust domain's SPIFFE ID or its name and sends the name")
    func federatesWithNames() throws {
        let command = try EntryCreate.parse(Self.base + ["-selector", "a:b", "-federatesWith", "spiffe://other.org", "-federatesWith", "third.org"])
        #expect(try command.fields.entry(node: false, purpose: .create).federatesWith == ["other.org", "third.org"])
        let bad = try #require(EntryCreate.parseMessage(Self.base + ["-selector", "a:b", "-federatesWith", "Other.org"]))
        #expect(bad.hasPrefix("invalid -federatesWith \"Other.org\": "))
    }

    @Test("with -data no other flag is needed: the file is checked when read")
    func dataSkipsFlagChecks() throws {
        let command = try EntryCreate.parse(["-data", "entries.json"])
        #expect(command.fields.dataPath == "entries.json")
    }

    @Test("entry update requires an entry ID and a parent ID")
    func updateRequirements() {
        #expect(
            EntryUpdate.parseMessage(["-spiffeID", "spiffe://example.org/w", "-parentID", "spiffe://example.org/a", "-selector", "a:b"])
                == "an entry ID is required"
        )
        #expect(
            EntryUpdate.parseMessage(["-entryID", "e", "-spiffeID", "spiffe://example.org/w", "-selector", "a:b"])
                == "a parent ID is required"
        )
    }

    @Test("entry delete requires an entry ID or a file")
    func deleteRequirements() {
        #expect(EntryDelete.parseMessage([]) == "an entry ID is required")
        #expect(EntryDelete.parseMessage(["-file", "-"]) == nil)
    }
}
