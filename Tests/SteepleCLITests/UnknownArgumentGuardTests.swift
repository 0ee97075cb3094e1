import ArgumentParser
import SteepleCLI
import Testing

/// A small command tree in SPIRE's grammar, described by ArgumentParser itself.
struct Tool: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tool", subcommands: [Entry.self, Fetch.self])

    struct Entry: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "entry", subcommands: [Create.self])
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create")
        @Option(name: [.customLong("spiffeID", withSingleDash: true), .customLong("spiffeID")]) var spiffeID: String?
        @Option(name: .customLong("selector", withSingleDash: true)) var selector: [String] = []
        @Option(name: .customLong("x509SVIDTTL", withSingleDash: true)) var ttl: Int?
        @Flag(name: .customLong("admin", withSingleDash: true)) var admin = false
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fetch", subcommands: [X509.self])
    }

    struct X509: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "x509")
        @Option(name: .customLong("socketPath", withSingleDash: true)) var socketPath: String?
        @Argument var files: [String] = []
    }
}

@Suite("Unknown flags, commands and arguments are refused before ArgumentParser reads them")
struct UnknownArgumentGuardTests {
    static let tree = CommandTree(Tool.self)!

    static func violation(_ line: String) -> String? {
        UnknownArgumentGuard.violation(line.split(separator: " ").map(String.init), tree: tree)
    }

    @Test("the words that ArgumentParser read as a bundle holding -h are refused in Go's words, naming the flag and the command",
          arguments: ["-disableX509SVIDPrefetch", "-allowUnauthenticatedVerifiers", "-nosuchflag", "--nosuchflag", "-hh"])
    func unknownFlags(_ flag: String) throws {
        let message = try #require(Self.violation("entry create -spiffeID spiffe://example.org/w \(flag) -selector unix:uid:1"))
        #expect(message == "flag provided but not defined: \(flag) (tool entry create); run 'tool entry create -h' for its usage")
    }

    @Test("known flags pass in either spelling, with a value after them or after '=', values that look like flags included")
    func knownFlags() {
        #expect(Self.violation("entry create -spiffeID spiffe://example.org/w -selector unix:uid:1 -admin") == nil)
        #expect(Self.violation("entry create --spiffeID=spiffe://example.org/w -selector=unix:uid:1") == nil)
        #expect(Self.violation("entry create -x509SVIDTTL -5") == nil)
        #expect(Self.violation("entry create -selector -nosuchflag") == nil)
    }

    @Test("help only for -h, -help and --help")
    func help() {
        #expect(Self.violation("entry create -h") == nil)
        #expect(Self.violation("entry create -help") == nil)
        #expect(Self.violation("entry create --help") == nil)
        #expect(Self.violation("entry create -helpme") != nil)
        #expect(Self.violation("entry create --h") != nil)
    }

    @Test("a subcommand that does not exist is named, with the ones that do; an argument a command does not take is refused")
    func unknownCommands() {
        #expect(Self.violation("fetch bundles -socketPath /tmp/x") == "unknown command \"bundles\" for \"tool fetch\": use one of x509")
        #expect(Self.violation("nosuch") == "unknown command \"nosuch\" for \"tool\": use one of entry, fetch")
        #expect(Self.violation("entry create extra")?.hasPrefix("unexpected argument \"extra\" for \"tool entry create\"") == true)
        #expect(Self.violation("fetch x509 a b c -socketPath /tmp/x") == nil)
    }

    @Test("after -- everything is an argument")
    func terminator() {
        #expect(Self.violation("fetch x509 -- -nosuchflag") == nil)
    }
}
