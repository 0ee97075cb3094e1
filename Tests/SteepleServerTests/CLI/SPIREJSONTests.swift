import Foundation
import SPIREAPIProto
import SwiftProtobuf
import Testing

@testable import steeple_server

/// `-output json` golden files, written from what SPIRE's CLI prints (`pkg/common/cliprinter/internal/protojson`):
/// protojson with `UseProtoNames` and `EmitUnpopulated` (every field, `""`/`0`/`false`/`[]`, int64s as strings, enums by
/// name), nulls (unset messages) removed, re-encoded by Go's `encoding/json` (keys sorted, compact, `<>&` escaped),
/// one line.
@Suite("-output json prints SPIRE's shapes")
struct SPIREJSONTests {
    static func id(_ path: String) -> Spire_Api_Types_SPIFFEID {
        var id = Spire_Api_Types_SPIFFEID()
        id.trustDomain = "example.org"
        id.path = path
        return id
    }

    @Test("counts are numbers (int32), not strings")
    func counts() throws {
        var agents = Spire_Api_Server_Agent_V1_CountAgentsResponse()
        agents.count = 3
        #expect(try ProtoJSON.line(agents) == #"{"count":3}"# + "\n")
        #expect(try ProtoJSON.line(Spire_Api_Server_Entry_V1_CountEntriesResponse()) == #"{"count":0}"# + "\n")
        #expect(try ProtoJSON.line(Spire_Api_Server_Bundle_V1_CountBundlesResponse()) == #"{"count":0}"# + "\n")
    }

    @Test("token generate: value and expires_at (an int64, so a string)")
    func joinToken() throws {
        var token = Spire_Api_Types_JoinToken()
        token.value = "0f9e2b8c"
        token.expiresAt = 1_700_000_000
        #expect(try ProtoJSON.line(token) == #"{"expires_at":"1700000000","value":"0f9e2b8c"}"# + "\n")
    }

    @Test("an agent: every field, spiffe_id as {path, trust_domain}, unset ones as their zero values")
    func agent() throws {
        var agent = Spire_Api_Types_Agent()
        agent.id = Self.id("/spire/agent/join_token/abc")
        agent.attestationType = "join_token"
        agent.x509SvidExpiresAt = 1_715_967_345
        var response = Spire_Api_Server_Agent_V1_ListAgentsResponse()
        response.agents = [agent]
        #expect(try ProtoJSON.line(response) == """
            {"agents":[{"agent_version":"","attestation_type":"join_token","banned":false,"can_reattest":false,"id":{"path":"/spire/agent/join_token/abc","trust_domain":"example.org"},"selectors":[],"x509svid_expires_at":"1715967345","x509svid_serial_number":""}],"next_page_token":""}

            """)
    }

    @Test("agent evict and ban answer google.protobuf.Empty: {}")
    func empty() throws {
        #expect(try ProtoJSON.line(SwiftProtobuf.Google_Protobuf_Empty()) == "{}\n")
    }

    @Test("jwt mint: an svid object with the token, its ID and its times")
    func jwtMint() throws {
        var response = Spire_Api_Server_Svid_V1_MintJWTSVIDResponse()
        response.svid.token = "eyJ.a.b"
        response.svid.id = Self.id("/web")
        response.svid.expiresAt = 1_700_000_300
        response.svid.issuedAt = 1_700_000_000
        #expect(try ProtoJSON.line(response) == """
            {"svid":{"expires_at":"1700000300","hint":"","id":{"path":"/web","trust_domain":"example.org"},"issued_at":"1700000000","token":"eyJ.a.b"}}

            """)
    }

    @Test("an entry with nothing set: every scalar and list, no unset message")
    func emptyEntry() throws {
        #expect(try ProtoJSON.line(Spire_Api_Types_Entry()) == """
            {"admin":false,"created_at":"0","dns_names":[],"downstream":false,"expires_at":"0","federates_with":[],"hint":"","id":"","jwt_svid_ttl":0,"revision_number":"0","selectors":[],"store_svid":false,"x509_svid_ttl":0}

            """)
    }

    @Test("batch results: per-item status with code and message; bytes as base64; Go's HTML escaping")
    func batchAndEscaping() throws {
        var result = Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse.Result()
        result.status.code = 9
        result.status.message = "cannot delete bundle; federated with 1 registration entries: <a> & \"b\""
        result.trustDomain = "other.org"
        var response = Spire_Api_Server_Bundle_V1_BatchDeleteFederatedBundleResponse()
        response.results = [result]
        #expect(try ProtoJSON.line(response) == #"{"results":[{"status":{"code":9,"message":"cannot delete bundle; federated with 1 registration entries: \u003ca\u003e \u0026 \"b\""},"trust_domain":"other.org"}]}"# + "\n")
        var bundle = Spire_Api_Types_Bundle()
        bundle.trustDomain = "example.org"
        var authority = Spire_Api_Types_X509Certificate()
        authority.asn1 = Data([1, 2, 3])
        bundle.x509Authorities = [authority]
        #expect(try ProtoJSON.line(bundle) == """
            {"jwt_authorities":[],"refresh_hint":"0","sequence_number":"0","trust_domain":"example.org","x509_authorities":[{"asn1":"AQID","tainted":false}]}

            """)
    }

    @Test("enums print by name, their zero value included")
    func enums() throws {
        var match = Spire_Api_Types_SelectorMatch()
        #expect(try ProtoJSON.line(match) == #"{"match":"MATCH_EXACT","selectors":[]}"# + "\n")
        match.match = .matchAny
        #expect(try ProtoJSON.line(match) == #"{"match":"MATCH_ANY","selectors":[]}"# + "\n")
    }

    @Test("debug getinfo: the counts, the uptime and the SVID chain")
    func debugInfo() throws {
        var info = Spire_Api_Server_Debug_V1_GetInfoResponse()
        info.uptime = 42
        info.agentsCount = 10
        var certificate = Spire_Api_Server_Debug_V1_GetInfoResponse.Cert()
        certificate.id = Self.id("/spire/server")
        certificate.expiresAt = 1_705_406_400
        certificate.subject = "CN=server"
        info.svidChain = [certificate]
        #expect(try ProtoJSON.line(info) == """
            {"agents_count":10,"entries_count":0,"federated_bundles_count":0,"svid_chain":[{"expires_at":"1705406400","id":{"path":"/spire/server","trust_domain":"example.org"},"subject":"CN=server"}],"uptime":42}

            """)
        #expect(DebugGetInfo.pretty(info) == """
            Server Debug Info:
              Uptime:                  42s
              Registered Agents:       10
              Registration Entries:    0
              Federated Bundles:       0
              SVID Chain:
                [0] SPIFFE ID:  spiffe://example.org/spire/server
                    Subject:    CN=server
                    Expires At: 2024-01-16T12:00:00Z

            """)
    }
}
