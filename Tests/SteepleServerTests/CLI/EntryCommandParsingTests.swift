import SteepleServerAPIProto
import ArgumentParser
import SPIREAPIProto
import SwiftProtobuf
import Testing

@testable import steeple_server

@Suite("entry commands parse SPIRE's flags, single- and double-dash")
struct EntryCommandParsingTests {
    static let createArguments = [
        "-entryID", "my-entry",
        "-spiffeID", "spiffe://example.org/web",
        "-parentID", "spiffe://example.org/agent",
        "-selector", "unix:uid:1000",
        "-selector", "unix:gid:1000",
        "-x509SVIDTTL", "3600",
        "-jwtSVIDTTL", "300",
        "-federatesWith", "spiffe://other.org",
        "-federatesWith", "third.org",
        "-dns", "web.example.org",
        "-dns", "www.example.org",
        "-admin",
        "-downstream",
        "-storeSVID",
        "-hint", "internal",
        "-entryExpiry", "1700000000",
        "-socketPath", "/run/steeple/api.sock",
        "-output", "json",
    ]

    @Test("entry create takes every SPIRE flag in both spellings and builds the same entry", arguments: FlagSpelling.both(createArguments))
    func create(arguments: [String]) throws {
        let command = try EntryCreate.parse(arguments)
        #expect(command.options.socketPath == "/run/steeple/api.sock")
        #expect(command.options.output == .json)
        let entry = try command.fields.entry(node: command.node, purpose: .create)

        var expected = Spire_Api_Types_Entry()
        expected.id = "my-entry"
        expected.spiffeID = "spiffe://example.org/web"
        expected.parentID = "spiffe://example.org/agent"
        expected.selectors = [Self.selector("unix", "uid:1000"), Self.selector("unix", "gid:1000")]
        expected.x509SvidTtl = 3600
        expected.jwtSvidTtl = 300
        expected.federatesWith = ["other.org", "third.org"]
        expected.dnsNames = ["web.example.org", "www.example.org"]
        expected.admin = true
        expected.downstream = true
        expected.storeSvid = true
        expected.hint = "internal"
        expected.expiresAt = 1_700_000_000
        #expect(entry == expected)
    }

    @Test("SPIRE's deprecated -ttl (older scripts, py-spiffe's CI) sets the X509-SVID TTL only, and not beside the new flags")
    func deprecatedTTL() throws {
        let base = ["-spiffeID", "spiffe://example.org/web", "-parentID", "spiffe://example.org/agent", "-selector", "unix:uid:0"]
        let entry = try EntryCreate.parse(base + ["-ttl", "5"]).fields.entry(node: false, purpose: .create)
        #expect(entry.x509SvidTtl == 5)
        #expect(entry.jwtSvidTtl == 0)
        // Refused while parsing (the command's validate builds the entry), with SPIRE's messages.
        #expect {
            _ = try EntryCreate.parse(base + ["-ttl", "5", "-jwtSVIDTTL", "60"])
        } throws: { "\($0)".contains("use x509SVIDTTL and jwtSVIDTTL flags or the deprecated ttl flag") }
        #expect {
            _ = try EntryCreate.parse(base + ["-ttl", "-1"])
        } throws: { "\($0)".contains("a positive TTL is required") }
    }

    @Test("Go's -flag=value form parses too")
    func equalsForm() throws {
        let command = try EntryCreate.parse([
            "-spiffeID=spiffe://example.org/web", "--parentID=spiffe://example.org/agent", "-selector=unix:uid:0",
        ])
        let entry = try command.fields.entry(node: false, purpose: .create)
        #expect(entry.spiffeID == "spiffe://example.org/web")
        #expect(entry.parentID == "spiffe://example.org/agent")
        #expect(entry.selectors == [Self.selector("unix", "uid:0")])
    }

    @Test("defaults: the SPIRE socket path under Steeple's name and pretty output")
    func defaults() throws {
        let command = try EntryCreate.parse(["-spiffeID", "spiffe://example.org/w", "-node", "-selector", "a:b"])
        #expect(command.options.socketPath == "/tmp/spire-server/private/api.sock")
        #expect(command.options.output == .pretty)
        #expect(command.node)
    }

    @Test("entry update takes the entry flags in both spellings", arguments: FlagSpelling.both([
        "-entryID", "e1", "-spiffeID", "spiffe://example.org/web", "-parentID", "spiffe://example.org/agent",
        "-selector", "k8s:ns:default", "-x509SVIDTTL", "60", "-hint", "h", "-socketPath", "/s.sock",
    ]))
    func update(arguments: [String]) throws {
        let command = try EntryUpdate.parse(arguments)
        let entry = try command.fields.entry(node: false, purpose: .update)
        #expect(entry.id == "e1")
        #expect(entry.selectors == [Self.selector("k8s", "ns:default")])
        #expect(entry.x509SvidTtl == 60)
        #expect(entry.hint == "h")
        #expect(command.options.socketPath == "/s.sock")
    }

    @Test("entry update has no -node flag")
    func updateHasNoNode() {
        #expect(throws: (any Error).self) {
            try EntryUpdate.parse(["-entryID", "e", "-spiffeID", "spiffe://example.org/w", "-node", "-selector", "a:b"])
        }
    }

    @Test("entry delete takes -entryID or -file in both spellings", arguments: FlagSpelling.both(["-entryID", "e1", "-output", "json"]))
    func delete(arguments: [String]) throws {
        let command = try EntryDelete.parse(arguments)
        #expect(try command.ids() == ["e1"])
        #expect(command.options.output == .json)
    }

    @Test("entry delete -file names the batch file")
    func deleteFile() throws {
        for arguments in FlagSpelling.both(["-file", "ids.json"]) {
            #expect(try EntryDelete.parse(arguments).filePath == "ids.json")
        }
    }

    static let showArguments = [
        "-spiffeID", "spiffe://example.org/web",
        "-parentID", "spiffe://example.org/agent",
        "-selector", "unix:uid:1000",
        "-matchSelectorsOn", "exact",
        "-federatesWith", "spiffe://other.org",
        "-matchFederatesWithOn", "any",
        "-hint", "internal",
        "-downstream",
    ]

    @Test("entry show takes every SPIRE filter in both spellings", arguments: FlagSpelling.both(showArguments))
    func show(arguments: [String]) throws {
        let query = try EntryShow.parse(arguments).filters.query()
        #expect(query.filter.bySpiffeID == "spiffe://example.org/web")
        #expect(query.filter.byParentID == "spiffe://example.org/agent")
        #expect(query.filter.bySelectors.selectors == [Self.selector("unix", "uid:1000")])
        #expect(query.filter.bySelectors.match == .matchExact)
        #expect(query.filter.byHint.value == "internal")
        #expect(query.filter.byDownstream.value)
        #expect(query.filter.byFederatesWith.trustDomains == ["other.org"])
        #expect(query.filter.byFederatesWith.match == .matchAny)
        #expect(query.countRequest.filter.byFederatesWith == query.filter.byFederatesWith)
    }

    @Test("entry count takes the same filters in both spellings", arguments: FlagSpelling.both(showArguments))
    func count(arguments: [String]) throws {
        let query = try EntryCount.parse(arguments).filters.query()
        #expect(query.countRequest.filter.bySpiffeID == "spiffe://example.org/web")
        #expect(query.countRequest.filter.bySelectors.match == .matchExact)
        #expect(query.countRequest.filter.byDownstream.value)
    }

    @Test("entry show -entryID filters by ID")
    func showByID() throws {
        for arguments in FlagSpelling.both(["-entryID", "e1"]) {
            #expect(try EntryShow.parse(arguments).filters.query().entryID == "e1")
        }
    }

    @Test("entry show's selector match defaults to SPIRE's superset")
    func showDefaults() throws {
        let query = try EntryShow.parse(["-selector", "unix:uid:1"]).filters.query()
        #expect(query.filter.bySelectors.match == .matchSuperset)
        // As SPIRE's CLI: by_downstream is always sent, false unless -downstream (the server then filters nothing).
        #expect(query.filter.hasByDownstream && !query.filter.byDownstream.value)
    }

    @Test("an unknown match mode is refused")
    func unknownMatchMode() {
        #expect(throws: (any Error).self) {
            try EntryShow.parse(["-selector", "unix:uid:1", "-matchSelectorsOn", "most"])
        }
    }

    @Test("entry show refuses -entryID with other filters, as SPIRE")
    func entryIDAlone() {
        let error = #expect(throws: (any Error).self) {
            try EntryShow.parse(["-entryID", "e1", "-spiffeID", "spiffe://example.org/w"])
        }
        #expect(EntryShow.message(for: error!) == "the -entryID flag can't be combined with others")
    }

    @Test("the entry group dispatches to its subcommands")
    func group() throws {
        let command = try SteepleServerCommand.parseAsRoot(["entry", "count", "-hint", "x"])
        #expect(command is EntryCount)
    }

    static func selector(_ type: String, _ value: String) -> Spire_Api_Types_Selector {
        var selector = Spire_Api_Types_Selector()
        selector.type = type
        selector.value = value
        return selector
    }
}
