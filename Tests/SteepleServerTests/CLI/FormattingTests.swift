import ArgumentParser
import SteepleServerAPIProto
import SPIREAPIProto
import Testing

@testable import steeple_server

@Suite("Go formats, TTLs, match modes and the other small pieces of the admin CLI")
struct FormattingTests {
    @Test("times print as Go's time.Time.UTC().String()")
    func utcTime() {
        #expect(GoFormatting.utcTime(unixSeconds: 1_552_410_266) == "2019-03-12 17:04:26 +0000 UTC")
        #expect(GoFormatting.utcTime(unixSeconds: 0) == "1970-01-01 00:00:00 +0000 UTC")
        #expect(GoFormatting.utcTime(unixSeconds: -1) == "1969-12-31 23:59:59 +0000 UTC")
        #expect(GoFormatting.utcTime(unixSeconds: 1_709_164_800) == "2024-02-29 00:00:00 +0000 UTC")
    }

    @Test("mint expiries print as Go's time.RFC3339 in UTC")
    func rfc3339() {
        #expect(GoFormatting.rfc3339(unixSeconds: 1_552_410_266) == "2019-03-12T17:04:26Z")
    }

    @Test("dates parse as midnight UTC, and only real YYYY-MM-DD dates")
    func dates() {
        #expect(GoFormatting.unixSeconds(ofDate: "2024-02-29") == 1_709_164_800)
        #expect(GoFormatting.unixSeconds(ofDate: "1970-01-01") == 0)
        #expect(GoFormatting.unixSeconds(ofDate: "2023-02-29") == nil)
        #expect(GoFormatting.unixSeconds(ofDate: "2024-2-29") == nil)
        #expect(GoFormatting.unixSeconds(ofDate: "2024-13-01") == nil)
    }

    @Test("strings quote as Go's %q")
    func quoted() {
        #expect(GoFormatting.quoted("plain") == "\"plain\"")
        #expect(GoFormatting.quoted("a\"b\\c\td\u{1}") == "\"a\\\"b\\\\c\\td\\x01\"")
    }

    @Test("gRPC codes print with Go's names")
    func statusNames() {
        #expect(GRPCStatusName.name(of: 0) == "OK")
        #expect(GRPCStatusName.name(of: 6) == "AlreadyExists")
        #expect(GRPCStatusName.name(of: 16) == "Unauthenticated")
        #expect(GRPCStatusName.name(of: 17) == "Code(17)")
        #expect(GRPCStatusName.name(of: -1) == "Code(-1)")
    }

    @Test("mint TTLs take Go durations or seconds, rounded up to whole seconds")
    func ttl() {
        #expect(TTLArgument.parse("3600") == 3600)
        #expect(TTLArgument.parse("1h") == 3600)
        #expect(TTLArgument.parse("1h30m") == 5400)
        #expect(TTLArgument.parse("90s") == 90)
        #expect(TTLArgument.parse("1.5m") == 90)
        #expect(TTLArgument.parse("500ms") == 1)
        #expect(TTLArgument.parse("0") == 0)
        #expect(TTLArgument.parse("-1") == nil)
        #expect(TTLArgument.parse("1d") == nil)
        #expect(TTLArgument.parse("h") == nil)
        #expect(TTLArgument.parse("") == nil)
        #expect(TTLArgument.parse("1000000h") == nil)
    }

    @Test("match modes relate an entry's items to the filter's as SPIRE's")
    func matchModes() {
        let entry = ["a", "b"]
        #expect(MatchBehavior.exact.matches(entry, filter: ["b", "a"]))
        #expect(!MatchBehavior.exact.matches(entry, filter: ["a"]))
        #expect(MatchBehavior.superset.matches(entry, filter: ["a"]))
        #expect(!MatchBehavior.superset.matches(entry, filter: ["a", "c"]))
        #expect(MatchBehavior.subset.matches(entry, filter: ["a", "b", "c"]))
        #expect(!MatchBehavior.subset.matches(entry, filter: ["a"]))
        #expect(MatchBehavior.any.matches(entry, filter: ["c", "b"]))
        #expect(!MatchBehavior.any.matches(entry, filter: ["c"]))
    }

    @Test("-federatesWith goes to the server with its match mode, trust domains by name")
    func federatesWithQuery() throws {
        let exact = try EntryShow.parse(["-federatesWith", "spiffe://other.org", "-federatesWith", "third.org", "-matchFederatesWithOn", "exact"]).filters.query()
        #expect(exact.filter.byFederatesWith.trustDomains == ["other.org", "third.org"])
        #expect(exact.filter.byFederatesWith.match == .matchExact)
        #expect(!(try EntryShow.parse([]).filters.query().filter.hasByFederatesWith))
    }

    @Test("a server that repeats a page token is caught instead of looping forever")
    func pagingLoop() async {
        await #expect(throws: CLIError("the server returned page token \"again\" twice")) {
            try await Paging.collect { _ in Paging.Page(items: [1], nextPageToken: "again") }
        }
    }

    @Test("a full health check needs a live and ready server; a shallow one only a live one")
    func health() {
        var response = Steeple_Server_V1_HealthResponse()
        response.live = true
        response.ready = false
        response.datastore = "ok"
        response.ca = "preparing"
        #expect(HealthReport(response, shallow: false).problem == "server is not ready (datastore: ok, ca: preparing)")
        #expect(HealthReport(response, shallow: true).problem == nil)
        response.live = false
        #expect(HealthReport(response, shallow: true).problem == "server is not live (datastore: ok, ca: preparing)")
        response.live = true
        response.ready = true
        #expect(HealthReport(response, shallow: false).problem == nil)
        #expect(HealthReport(response, shallow: false).details == "Live: true\nReady: true\nDatastore: ok\nCA: preparing\n")
    }

    @Test("token generate prints Token: and SPIRE's warning when no SPIFFE ID was given")
    func token() {
        var response = Spire_Api_Types_JoinToken()
        response.value = "0f9e"
        #expect(TokenGenerate.pretty(response, hasAlias: true) == "Token: 0f9e\n")
        #expect(TokenGenerate.pretty(response, hasAlias: false) == "Token: 0f9e\nWarning: Missing SPIFFE ID.\n")
    }

    @Test("a missing socket is reported with a hint, before any connection attempt")
    func missingSocket() async {
        await #expect(
            throws: CLIError("cannot connect to the server at /tmp/steeple-no-such.sock: is steeple-server running? (-socketPath)")
        ) {
            try await withAdminClient(socketPath: "/tmp/steeple-no-such.sock") { _ in 0 }
        }
    }
}
