import ArgumentParser
import SPIFFE
import SPIREAPIProto
import SwiftProtobuf
import SteepleServerAPIProto
import Testing

@testable import steeple_server

@Suite("agent, token, bundle, mint and healthcheck commands parse SPIRE's flags, single- and double-dash")
struct OtherCommandParsingTests {
    @Test("agent list takes its filters", arguments: FlagSpelling.both([
        "-spiffeID", "spiffe://example.org/spire/agent/x", "-attestationType", "join_token", "-banned", "false",
        "-canReattest", "true", "-expiresBefore", "2030-01-02", "-selector", "join_token:abc",
        "-matchSelectorsOn", "any", "-output", "json",
    ]))
    func agentList(arguments: [String]) throws {
        let command = try AgentList.parse(arguments)
        let query = try command.filters.query()
        #expect(query.spiffeID == "spiffe://example.org/spire/agent/x")
        #expect(query.filter.byAttestationType == "join_token")
        #expect(query.filter.hasByBanned && query.filter.byBanned.value == false)
        #expect(query.filter.hasByCanReattest && query.filter.byCanReattest.value == true)
        #expect(query.expiresBefore == 1_893_542_400)
        #expect(query.filter.bySelectorMatch.match == .matchAny)
        #expect(query.filter.bySelectorMatch.selectors.map(\.value) == ["abc"])
        #expect(command.options.output == .json)
    }

    @Test("agent count takes the same filters", arguments: FlagSpelling.both(["-banned", "true", "-attestationType", "x509pop"]))
    func agentCount(arguments: [String]) throws {
        let query = try AgentCount.parse(arguments).filters.query()
        #expect(query.filter.byBanned.value == true)
        #expect(query.countRequest.filter.byBanned.value == true)
        #expect(query.countRequest.filter.byAttestationType == "x509pop")
        #expect(!query.filtersLocally)
    }

    @Test("agent show, evict and ban take -spiffeID", arguments: FlagSpelling.both([
        "-spiffeID", "spiffe://example.org/spire/agent/x", "-socketPath", "/a.sock",
    ]))
    func agentByID(arguments: [String]) throws {
        #expect(try AgentShow.parse(arguments).agent.id() == "spiffe://example.org/spire/agent/x")
        #expect(try AgentEvict.parse(arguments).agent.id() == "spiffe://example.org/spire/agent/x")
        #expect(try AgentBan.parse(arguments).options.socketPath == "/a.sock")
    }

    @Test("agent show, evict and ban require a SPIFFE ID, as SPIRE")
    func agentNeedsID() {
        for command in [AgentShow.self, AgentEvict.self, AgentBan.self] as [any MessageParsing.Type] {
            #expect(command.parseMessage([]) == "a SPIFFE ID is required")
        }
    }

    @Test("agent -expiresBefore must be YYYY-MM-DD")
    func agentBadDate() {
        let error = #expect(throws: (any Error).self) { try AgentList.parse(["-expiresBefore", "tomorrow"]) }
        #expect(AgentList.message(for: error!) == "date \"tomorrow\" must be formatted as YYYY-MM-DD")
    }

    @Test("token generate takes -spiffeID and -ttl", arguments: FlagSpelling.both([
        "-spiffeID", "spiffe://example.org/host", "-ttl", "900",
    ]))
    func token(arguments: [String]) throws {
        let request = try TokenGenerate.parse(arguments).request()
        #expect(request.agentID.trustDomain == "example.org" && request.agentID.path == "/host")
        #expect(request.ttl == 900)
    }

    @Test("token generate defaults to SPIRE's 600 seconds and no alias")
    func tokenDefaults() throws {
        let request = try TokenGenerate.parse([]).request()
        #expect(request.ttl == 600)
        #expect(!request.hasAgentID)
    }

    @Test("bundle show takes -format", arguments: FlagSpelling.both(["-format", "spiffe"]))
    func bundleShow(arguments: [String]) throws {
        #expect(try BundleShow.parse(arguments).format == .spiffe)
    }

    @Test("bundle -format defaults to pem and ignores case")
    func bundleFormat() throws {
        #expect(try BundleShow.parse([]).format == .pem)
        #expect(try BundleShow.parse(["-format", "SPIFFE"]).format == .spiffe)
    }

    @Test("bundle list takes -id and -format", arguments: FlagSpelling.both(["-id", "spiffe://other.org", "-format", "pem"]))
    func bundleList(arguments: [String]) throws {
        let command = try BundleList.parse(arguments)
        #expect(command.id == "spiffe://other.org")
        #expect(command.format == .pem)
    }

    @Test("bundle set takes -id, -path and -format", arguments: FlagSpelling.both([
        "-id", "other.org", "-path", "other.pem", "-format", "pem",
    ]))
    func bundleSet(arguments: [String]) throws {
        let command = try BundleSet.parse(arguments)
        #expect(command.id == "other.org")
        #expect(command.path == "other.pem")
    }

    @Test("bundle set and delete require -id, as SPIRE")
    func bundleNeedsID() {
        #expect(BundleSet.parseMessage([]) == "id flag is required")
        #expect(BundleDelete.parseMessage([]) == "id is required")
    }

    @Test("bundle delete takes -id and SPIRE's default -mode", arguments: FlagSpelling.both(["-id", "other.org", "-mode", "restrict"]))
    func bundleDelete(arguments: [String]) throws {
        #expect(try BundleDelete.parse(arguments).id == "other.org")
    }

    @Test("bundle delete -mode takes SPIRE's three modes and refuses others")
    func bundleDeleteMode() throws {
        #expect(try BundleDelete.mode("") == .restrict)
        #expect(try BundleDelete.mode("restrict") == .restrict)
        #expect(try BundleDelete.mode("dissociate") == .dissociate)
        #expect(try BundleDelete.mode("delete") == .delete)
        #expect(BundleDelete.parseMessage(["-id", "other.org", "-mode", "dissociate"]) == nil)
        #expect(BundleDelete.parseMessage(["-id", "other.org", "-mode", "shred"]) == "unsupported mode \"shred\"")
    }

    @Test("bundle count takes only the common options", arguments: FlagSpelling.both(["-socketPath", "/b.sock", "-output", "json"]))
    func bundleCount(arguments: [String]) throws {
        let command = try BundleCount.parse(arguments)
        #expect(command.options.socketPath == "/b.sock")
        #expect(command.options.output == .json)
    }

    @Test("x509 mint takes -spiffeID, -dns, -ttl and -write", arguments: FlagSpelling.both([
        "-spiffeID", "spiffe://example.org/web", "-dns", "web", "-dns", "web.local", "-ttl", "1h30m", "-write", "/tmp/out",
    ]))
    func x509Mint(arguments: [String]) throws {
        let command = try X509Mint.parse(arguments)
        let request = try command.request()
        #expect(request.id.string == "spiffe://example.org/web")
        #expect(request.dnsNames == ["web", "web.local"])
        #expect(request.ttl == 5400)
        #expect(command.writeDirectory == "/tmp/out")
    }

    @Test("x509 mint requires -spiffeID, as SPIRE")
    func x509MintNeedsID() {
        #expect(X509Mint.parseMessage([]) == "spiffeID must be specified")
    }

    @Test("jwt mint takes -spiffeID, repeated -audience, -ttl and -write", arguments: FlagSpelling.both([
        "-spiffeID", "spiffe://example.org/web", "-audience", "a", "-audience", "b", "-ttl", "300", "-write", "t.jwt",
    ]))
    func jwtMint(arguments: [String]) throws {
        let command = try JWTMint.parse(arguments)
        let request = try command.request()
        #expect(request.audience == ["a", "b"])
        #expect(request.ttl == 300)
        #expect(command.writePath == "t.jwt")
    }

    @Test("jwt mint requires an audience, as SPIRE")
    func jwtMintNeedsAudience() {
        #expect(JWTMint.parseMessage(["-spiffeID", "spiffe://example.org/web"]) == "at least one audience must be specified")
    }

    @Test("healthcheck takes -shallow and -verbose", arguments: FlagSpelling.both(["-shallow", "-verbose", "-socketPath", "/h.sock"]))
    func healthcheck(arguments: [String]) throws {
        let command = try HealthcheckCommand.parse(arguments)
        #expect(command.shallow)
        #expect(command.verbose)
        #expect(command.options.socketPath == "/h.sock")
    }

    @Test("every group is registered under steeple-server")
    func groups() throws {
        #expect(try SteepleServerCommand.parseAsRoot(["agent", "list"]) is AgentList)
        #expect(try SteepleServerCommand.parseAsRoot(["token", "generate"]) is TokenGenerate)
        #expect(try SteepleServerCommand.parseAsRoot(["bundle", "count"]) is BundleCount)
        #expect(try SteepleServerCommand.parseAsRoot(["x509", "mint", "-spiffeID", "spiffe://e.org/w"]) is X509Mint)
        #expect(try SteepleServerCommand.parseAsRoot(["jwt", "mint", "-spiffeID", "spiffe://e.org/w", "-audience", "a"]) is JWTMint)
        #expect(try SteepleServerCommand.parseAsRoot(["healthcheck", "-shallow"]) is HealthcheckCommand)
        #expect(try SteepleServerCommand.parseAsRoot(["agent", "purge", "-expiredFor", "24h", "-dryRun"]) is AgentPurge)
        #expect(try SteepleServerCommand.parseAsRoot(["debug", "getinfo"]) is DebugGetInfo)
    }
}
