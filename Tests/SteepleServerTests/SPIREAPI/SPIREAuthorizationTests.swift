import Foundation
import GRPCCore
import SPIREAPIProto
@testable import SteepleServer
import Testing

/// Steeple's copy of SPIRE's authorization table against SPIRE's own (`Tests/Interop/spire-authorization`), and
/// what it means for each kind of caller.
@Suite("SPIRE API authorization table")
struct SPIREAuthorizationTests {
    /// SPIRE's `policy_data.json`: method → the callers it admits.
    static func spireTable() throws -> [String: Set<SPIREAuthorization.Caller>] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/spire-authorization/policy_data.json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as? [String: Any])
        let apis = try #require(object["apis"] as? [[String: Any]])
        var table: [String: Set<SPIREAuthorization.Caller>] = [:]
        for api in apis {
            let method = try #require(api["full_method"] as? String)
            var callers: Set<SPIREAuthorization.Caller> = []
            for (key, caller) in [("allow_any", SPIREAuthorization.Caller.any), ("allow_local", .local), ("allow_admin", .admin),
                                  ("allow_agent", .agent), ("allow_downstream", .downstream)] where api[key] as? Bool == true {
                callers.insert(caller)
            }
            table[String(method.dropFirst())] = callers
        }
        return table
    }

    @Test("every method of SPIRE's table admits exactly the callers SPIRE's does, and nothing else is in ours")
    func matchesSPIRE() throws {
        let spire = try Self.spireTable()
        #expect(spire.count > 50, "SPIRE's table did not load: \(spire.count) methods")
        for (method, callers) in spire.sorted(by: { $0.key < $1.key }) {
            #expect(SPIREAuthorization.policy[method] == callers, "\(method): SPIRE admits \(callers), Steeple \(String(describing: SPIREAuthorization.policy[method]))")
        }
        #expect(Set(SPIREAuthorization.policy.keys) == Set(spire.keys))
    }

    @Test("every method Steeple serves from SPIRE's API has a row in the table")
    func everyServedMethodHasARow() {
        let services: [[MethodDescriptor]] = [
            Spire_Api_Server_Entry_V1_Entry.Method.descriptors, Spire_Api_Server_Agent_V1_Agent.Method.descriptors,
            Spire_Api_Server_Bundle_V1_Bundle.Method.descriptors, Spire_Api_Server_Svid_V1_SVID.Method.descriptors,
            Spire_Api_Server_Debug_V1_Debug.Method.descriptors, Spire_Api_Server_Logger_V1_Logger.Method.descriptors,
        ]
        for method in services.joined() {
            #expect(SPIREAuthorization.policy[method.fullyQualifiedMethod] != nil, "\(method.fullyQualifiedMethod) has no row")
        }
    }

    @Test("a local caller gets what SPIRE lets local callers have, and nothing only agents or downstream servers may call")
    func localCaller() {
        for (method, callers) in SPIREAuthorization.policy {
            let descriptor = MethodDescriptor(fullyQualifiedService: String(method.split(separator: "/")[0]), method: String(method.split(separator: "/")[1]))
            #expect(SPIREAuthorization.admits(descriptor, caller: [.local]) == (callers.contains(.local) || callers.contains(.any)), "\(method)")
            #expect(SPIREAuthorization.admits(descriptor, caller: [.agent]) == (callers.contains(.agent) || callers.contains(.any)), "\(method)")
        }
        // Steeple's own admin API is not SPIRE's: the table leaves it alone.
        #expect(SPIREAuthorization.admits(MethodDescriptor(fullyQualifiedService: "steeple.server.v1.AdminAPI", method: "ListEntries"), caller: [.local]))
    }
}
