import SPIFFE
import SteepleServer
import Testing

@Suite("-expandEnv")
struct EnvironmentExpansionTests {
    private let environment = ["TD": "example.org", "PORT": "9443", "DIR": "/var/lib/steeple", "A_1": "x"]

    @Test(
        "expands $VAR and ${VAR} as Go's os.Expand with SPIRE's $$ escape",
        arguments: [
            ("$TD", "example.org"),
            ("${TD}", "example.org"),
            ("${DIR}/keys.json", "/var/lib/steeple/keys.json"),
            ("$DIR/keys.json", "/var/lib/steeple/keys.json"),
            ("$A_1.", "x."),
            ("$UNSET", ""),
            ("${UNSET}", ""),
            ("cost $$5", "cost $5"),
            ("trailing $", "trailing $"),
            ("$ alone", "$ alone"),
            ("${}", ""),
            ("${TD", "TD"),
            ("$1abc", "abc"),
            ("héllo ${TD} wörld", "héllo example.org wörld"),
            ("no variables", "no variables"),
        ])
    func expands(_ text: String, _ expected: String) {
        #expect(ServerConfiguration.expandingEnvironment(in: text, environment: environment) == expected)
    }

    @Test("expands variables before parsing, so they can fill any value")
    func expandsBeforeParsing() throws {
        let text = """
            server {
                trust_domain = "${TD}"
                bind_port = $PORT
                data_dir = "$DIR"
            }
            """
        let expanded = ServerConfiguration.expandingEnvironment(in: text, environment: environment)
        let configuration = try ServerConfiguration(parsing: expanded, path: "server.conf")
        #expect(configuration.trustDomain.name == "example.org")
        #expect(configuration.bindPort == 9443)
        #expect(configuration.dataDirectory == "/var/lib/steeple")
    }

    @Test("leaves ${VAR} literal when -expandEnv is not given, so the trust domain is invalid")
    func literalWithoutFlag() {
        let error = #expect(throws: ServerConfigurationError.self) {
            try ServerConfiguration(parsing: #"server { trust_domain = "${TD}" }"#, path: "server.conf")
        }
        #expect(error?.code == .invalidValue)
    }
}
