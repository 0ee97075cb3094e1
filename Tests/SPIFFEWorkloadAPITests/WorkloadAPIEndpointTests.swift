import SPIFFEWorkloadAPI
import Testing

@Suite("WorkloadAPIEndpoint parses SPIFFE_ENDPOINT_SOCKET (SPEC §6.7)")
struct WorkloadAPIEndpointTests {
    @Test(
        "accepts the valid forms",
        arguments: [
            ("unix:///run/spire/agent.sock", WorkloadAPIEndpoint.Address.unixSocket(path: "/run/spire/agent.sock")),
            ("unix:/run/spire/agent.sock", .unixSocket(path: "/run/spire/agent.sock")),
            ("unix:///tmp/with%20space.sock", .unixSocket(path: "/tmp/with space.sock")),
            ("tcp://127.0.0.1:8000", .tcp(ip: "127.0.0.1", port: 8000)),
            ("tcp://[::1]:8000", .tcp(ip: "::1", port: 8000)),
            ("TCP://10.0.0.1:65535", .tcp(ip: "10.0.0.1", port: 65535)),
        ]
    )
    func valid(input: String, expected: WorkloadAPIEndpoint.Address) throws {
        #expect(try WorkloadAPIEndpoint(input).address == expected)
    }

    @Test(
        "rejects each broken rule with its own code",
        arguments: [
            ("unix:agent.sock", WorkloadAPIError.Code.endpointPathNotAbsolute),
            ("unix:relative/agent.sock", .endpointPathNotAbsolute),
            ("unix://foo", .endpointAuthorityNotAllowed),
            ("unix://host/path", .endpointAuthorityNotAllowed),
            ("unix://u:p@/p", .endpointAuthorityNotAllowed),
            ("unix://", .endpointPathMissing),
            ("unix:", .endpointPathMissing),
            ("unix:///", .endpointPathMissing),
            ("unix:/", .endpointPathMissing),
            ("unix:///p?x", .endpointExtraComponents),
            ("unix:///p#x", .endpointExtraComponents),
            ("tcp://localhost:8000", .endpointHostNotIP),
            ("tcp://1.2.3:8000", .endpointHostNotIP),
            ("tcp://256.1.1.1:8000", .endpointHostNotIP),
            ("tcp://::1:8000", .endpointHostNotIP),
            ("tcp://[127.0.0.1]:8000", .endpointHostNotIP),
            ("tcp:opaque", .endpointHostNotIP),
            ("tcp://", .endpointHostNotIP),
            ("tcp://1.2.3.4", .endpointPortMissing),
            ("tcp://1.2.3.4:", .endpointPortMissing),
            ("tcp://[::1]", .endpointPortMissing),
            ("tcp://1.2.3.4:0", .endpointPortInvalid),
            ("tcp://1.2.3.4:65536", .endpointPortInvalid),
            ("tcp://1.2.3.4:http", .endpointPortInvalid),
            ("tcp://1.2.3.4:5/path", .endpointExtraComponents),
            ("tcp://1.2.3.4:5?q", .endpointExtraComponents),
            ("tcp://1.2.3.4:5#f", .endpointExtraComponents),
            ("tcp://user@1.2.3.4:5", .endpointExtraComponents),
            ("blah", .endpointSchemeUnsupported),
            ("", .endpointSchemeUnsupported),
            ("http://127.0.0.1:8000", .endpointSchemeUnsupported),
            ("spiffe://example.org/agent", .endpointSchemeUnsupported),
            ("/run/spire/agent.sock", .endpointSchemeUnsupported),
            ("1tcp://1.2.3.4:5", .endpointSchemeUnsupported),
        ]
    )
    func invalid(input: String, code: WorkloadAPIError.Code) {
        let error = #expect(throws: WorkloadAPIError.self) { try WorkloadAPIEndpoint(input) }
        #expect(error?.code == code, "\(input): \(String(describing: error))")
    }

    @Test("prints the canonical URI form")
    func description() throws {
        #expect(try WorkloadAPIEndpoint("unix:/run/a.sock").description == "unix:///run/a.sock")
        #expect(try WorkloadAPIEndpoint("tcp://[::1]:8000").description == "tcp://[::1]:8000")
        #expect(try WorkloadAPIEndpoint("tcp://127.0.0.1:8000").description == "tcp://127.0.0.1:8000")
    }

    @Test("an explicit socket path must be absolute")
    func unixSocketPath() throws {
        #expect(try WorkloadAPIEndpoint(unixSocketPath: "/tmp/a.sock").address == .unixSocket(path: "/tmp/a.sock"))
        #expect(throws: WorkloadAPIError(code: .endpointPathNotAbsolute, message: "")) {
            try WorkloadAPIEndpoint(unixSocketPath: "a.sock")
        }
    }

    @Test("reads SPIFFE_ENDPOINT_SOCKET, and reports it missing or empty")
    func environment() throws {
        let endpoint = try WorkloadAPIEndpoint.fromEnvironment(["SPIFFE_ENDPOINT_SOCKET": "unix:///run/agent.sock"])
        #expect(endpoint.address == .unixSocket(path: "/run/agent.sock"))
        #expect(throws: WorkloadAPIError(code: .endpointNotConfigured, message: "")) {
            try WorkloadAPIEndpoint.fromEnvironment([:])
        }
        #expect(throws: WorkloadAPIError(code: .endpointNotConfigured, message: "")) {
            try WorkloadAPIEndpoint.fromEnvironment(["SPIFFE_ENDPOINT_SOCKET": ""])
        }
        #expect(throws: WorkloadAPIError(code: .endpointAuthorityNotAllowed, message: "")) {
            try WorkloadAPIEndpoint.fromEnvironment(["SPIFFE_ENDPOINT_SOCKET": "unix://host/x"])
        }
    }
}
