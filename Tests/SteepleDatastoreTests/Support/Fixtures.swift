import Foundation
import SPIFFE
import SteepleDatastore
import Testing

/// Builders of valid records and values for tests.
enum Fixtures {
    static let trustDomain = try! TrustDomain("example.org")
    static let agentID = id("spiffe://example.org/spire/agent/join_token/abc")
    static let otherAgentID = id("spiffe://example.org/spire/agent/x509pop/host-2")

    static func id(_ string: String) -> SPIFFEID {
        try! SPIFFEID(string)
    }

    static func trustDomain(_ name: String) -> TrustDomain {
        try! TrustDomain(name)
    }

    static func selectors(_ strings: String...) -> [Selector] {
        strings.map { try! Selector($0) }
    }

    /// An entry under ``agentID`` with the given workload path and selectors.
    static func entry(
        id: String? = nil,
        path: String = "/web",
        parentID: SPIFFEID = agentID,
        selectors: [String] = ["unix:uid:1000"],
        federatesWith: [String] = [],
        expiresAt: Date? = nil,
        hint: String = "",
        downstream: Bool = false
    ) -> RegistrationEntry {
        var entry = RegistrationEntry(
            spiffeID: Self.id("spiffe://example.org" + path),
            parentID: parentID,
            selectors: selectors.map { try! Selector($0) },
            federatesWith: federatesWith.map { trustDomain($0) },
            downstream: downstream,
            expiresAt: expiresAt,
            hint: hint
        )
        if let id { entry.id = id }
        return entry
    }

    /// Stores a bundle for each trust domain, so that entries may federate with them.
    static func federatedBundles(_ store: any Datastore, _ names: String...) async throws {
        for name in names {
            _ = try await store.setBundle(BundleRecord(trustDomain: trustDomain(name), document: Array("{}".utf8), sequenceNumber: 1))
        }
    }

    /// A node with the given agent path.
    static func node(
        _ path: String,
        type: String = "join_token",
        banned: Bool = false,
        canReattest: Bool = false,
        notAfter: Date = Date(timeIntervalSince1970: 1_800_003_600),
        selectors: [String] = []
    ) -> AttestedNode {
        AttestedNode(
            spiffeID: id("spiffe://example.org/spire/agent/" + path),
            attestationType: type,
            certSerialNumber: "01",
            certNotAfter: notAfter,
            canReattest: canReattest,
            banned: banned,
            selectors: selectors.map { try! Selector($0) }
        )
    }
}

/// Expects `body` to throw a ``DatastoreError`` with `code` (never checks the message).
func expectError(
    _ code: DatastoreError.Code,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    let error = await #expect(throws: DatastoreError.self, sourceLocation: sourceLocation) {
        try await body()
    }
    #expect(error?.code == code, sourceLocation: sourceLocation)
}
