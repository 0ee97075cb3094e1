import SteepleServer
import Testing

/// A TTL that a scheduled CA rotation may cut short is SPIRE's warning, word for word, not a start-up error, so
/// SPIRE's own short-`ca_ttl` rotation configs start.
@Suite("Server TTL warnings")
struct ServerTTLWarningTests {
    private func configuration(_ lines: String) throws -> ServerConfiguration {
        try ServerConfiguration(parsing: "server {\n    trust_domain = \"example.org\"\n    \(lines)\n}\n", path: "server.conf")
    }

    @Test("the defaults and TTLs within ca_ttl / 6 warn of nothing")
    func none() throws {
        #expect(try configuration("").ttlWarnings.isEmpty)
        #expect(try configuration("ca_ttl = \"12m\"\n default_x509_svid_ttl = \"2m\"\n default_jwt_svid_ttl = \"2m\"").ttlWarnings.isEmpty)
    }

    @Test("an X509-SVID TTL above ca_ttl / 6 starts with SPIRE's warning (as captured from spire-server with these values)")
    func x509() throws {
        let warnings = try configuration("ca_ttl = \"5m\"\n default_x509_svid_ttl = \"2m\"\n default_jwt_svid_ttl = \"30s\"").ttlWarnings
        #expect(warnings == [
            "default_x509_svid_ttl is too high for the configured ca_ttl value. SVIDs with shorter lifetimes may be issued. "
                + "Please set default_x509_svid_ttl to 50s or less, or the ca_ttl to 12m or more, to guarantee the full "
                + "default_x509_svid_ttl lifetime when CA rotations are scheduled.",
        ])
    }

    @Test("a ca_ttl shorter than the default X509-SVID and JWT-SVID TTLs, and an agent_ttl above it, start with warnings")
    func shorterThanDefaults() throws {
        let warnings = try configuration("ca_ttl = \"30m\"\n default_jwt_svid_ttl = \"2h\"\n agent_ttl = \"48h\"").ttlWarnings
        #expect(warnings.count == 3)
        #expect(warnings[0].hasPrefix("default_x509_svid_ttl is too high for the configured ca_ttl value."))
        #expect(warnings[0].contains("Please set default_x509_svid_ttl to 5m or less, or the ca_ttl to 6h or more"))
        #expect(warnings[1].contains("Please set default_jwt_svid_ttl to 5m or less, or the ca_ttl to 12h or more"))
        #expect(warnings[2].contains("Please set agent_ttl to 5m or less, or the ca_ttl to 288h or more"))
    }

    @Test("a TTL above SPIRE's 7-day cap gets the cap's wording, with and without a ca_ttl long enough for it")
    func aboveCap() throws {
        #expect(try configuration("ca_ttl = \"24h\"\n default_x509_svid_ttl = \"200h\"").ttlWarnings == [
            "default_x509_svid_ttl is too high and the ca_ttl is too low. SVIDs with shorter lifetimes may be issued. "
                + "Please set default_x509_svid_ttl to 168h or less, and the ca_ttl to 1008h or more, to guarantee the full "
                + "default_x509_svid_ttl lifetime when CA rotations are scheduled.",
        ])
        #expect(try configuration("ca_ttl = \"2000h\"\n default_x509_svid_ttl = \"200h\"").ttlWarnings == [
            "default_x509_svid_ttl is too high. SVIDs with shorter lifetimes may be issued. Please set default_x509_svid_ttl "
                + "to 168h or less to guarantee the full default_x509_svid_ttl lifetime when CA rotations are scheduled.",
        ])
    }

    @Test("durations print as SPIRE's: truncated to seconds, no trailing zero units", arguments: [
        (10, "1s"), (15, "2s"), (600, "1m40s"), (1320, "3m40s"), (86_400, "4h"),
    ])
    func guaranteedPrinting(caTTLSeconds: Int64, expected: String) {
        #expect(ServerConfiguration.spireDuration(ServerConfiguration.guaranteedSVIDTTL(caTTL: .seconds(caTTLSeconds))) == expected)
    }

    @Test("minimum CA TTLs print as SPIRE's", arguments: [(10, "1m"), (15, "1m30s"), (600, "1h"), (1320, "2h12m"), (86_400, "144h")])
    func minimumCATTLPrinting(svidTTLSeconds: Int64, expected: String) {
        #expect(ServerConfiguration.spireDuration(.seconds(svidTTLSeconds) * 6) == expected)
    }
}
