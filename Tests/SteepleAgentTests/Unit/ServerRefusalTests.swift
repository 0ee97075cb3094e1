import GRPCCore
@testable import SteepleAgent
import Testing

@Suite("ServerRefusal: the agent decides on the server's reason code")
struct ServerRefusalTests {
    static func error(_ code: RPCError.Code, _ message: String, reason: String?) -> RPCError {
        var metadata = Metadata()
        if let reason { metadata.addString(reason, forKey: ServerRefusal.reasonKey) }
        return RPCError(code: code, message: message, metadata: metadata)
    }

    @Test("reason codes decide, whatever the message says", arguments: [
        ("agent_banned", ServerRefusal?.some(.banned)),
        ("agent_not_attested", .some(.notAttested)),
        ("agent_svid_superseded", .some(.notAttested)),
        ("not_an_agent_id", .some(.notAttested)),
        ("agent_svid_rejected", .some(.notAttested)),
        ("no_client_certificate", .some(.notAttested)),
        ("agent_revoked", nil),
        ("not_authorized_for_entry", nil),
        ("invalid_request", nil),
    ])
    func byReason(_ reason: String, _ expected: ServerRefusal?) {
        // The message is deliberately misleading: only the code counts.
        #expect(ServerRefusal(Self.error(.permissionDenied, "agent x is banned", reason: reason)) == expected)
    }

    @Test("without a reason trailer (an older server) the message decides, as before")
    func byMessage() {
        #expect(ServerRefusal(Self.error(.permissionDenied, "agent x is banned", reason: nil)) == .banned)
        #expect(ServerRefusal(Self.error(.permissionDenied, "agent x is not attested (evicted?)", reason: nil)) == .notAttested)
        #expect(ServerRefusal(Self.error(.permissionDenied, "agent x was evicted or banned", reason: nil)) == nil)
        #expect(ServerRefusal(Self.error(.unauthenticated, "agent SVID rejected", reason: nil)) == .notAttested)
        #expect(ServerRefusal(Self.error(.unavailable, "connection refused", reason: nil)) == nil)
    }
}
