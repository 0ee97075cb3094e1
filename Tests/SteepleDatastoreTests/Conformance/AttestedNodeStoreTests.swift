import Foundation
import SPIFFE
import SteepleDatastore
import Testing

@Suite("AttestedNodeStore conformance")
struct AttestedNodeStoreTests {
    @Test("create stores the node with its selectors and the clock's createdAt", arguments: DatastoreKind.allCases)
    func createAndFetch(kind: DatastoreKind) async throws {
        let clock = TestClock()
        try await kind.withStore(clock: clock) { store in
            var node = Fixtures.node("join_token/abc", selectors: ["aws:region:eu", "aws:az:eu-1a"])
            node.newCertSerialNumber = "02"
            node.newCertNotAfter = Date(timeIntervalSince1970: 1_800_007_200.5)
            let committed = try await store.createNode(node)
            #expect(committed.value.createdAt == clock.now())
            #expect(committed.value.newCertNotAfter == Date(timeIntervalSince1970: 1_800_007_200))
            #expect(committed.value.selectors.map(\.description) == ["aws:az:eu-1a", "aws:region:eu"])
            #expect(try await store.fetchNode(spiffeID: node.spiffeID) == committed.value)
            #expect(try await store.fetchNode(spiffeID: Fixtures.otherAgentID) == nil)
        }
    }

    @Test("create of an existing node fails with alreadyExists", arguments: DatastoreKind.allCases)
    func duplicate(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            _ = try await store.createNode(Fixtures.node("a"))
            await expectError(.alreadyExists) { _ = try await store.createNode(Fixtures.node("a", type: "x509pop")) }
        }
    }

    @Test("a node without an attestation type fails with invalidArgument", arguments: DatastoreKind.allCases)
    func invalid(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.invalidArgument) { _ = try await store.createNode(Fixtures.node("a", type: "")) }
        }
    }

    @Test("list filters by banned, attestation type, expiry, selectors and re-attestability, in pages", arguments: DatastoreKind.allCases)
    func list(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let early = Date(timeIntervalSince1970: 1_800_000_100)
            for node in [
                Fixtures.node("a", selectors: ["aws:region:eu"]),
                Fixtures.node("b", type: "x509pop", banned: true, selectors: ["aws:region:us"]),
                Fixtures.node("c", type: "x509pop", notAfter: early, selectors: ["aws:region:eu", "aws:az:1"]),
                Fixtures.node("d", banned: true),
                Fixtures.node("e", type: "x509pop", canReattest: true),
            ] {
                _ = try await store.createNode(node)
            }
            func names(_ nodes: [AttestedNode]) -> [String] {
                nodes.map { String($0.spiffeID.path.split(separator: "/").last!) }
            }
            #expect(names(try await store.listNodes()) == ["a", "b", "c", "d", "e"])
            #expect(names(try await store.listNodes(.init(banned: true))) == ["b", "d"])
            #expect(names(try await store.listNodes(.init(banned: false, attestationType: "x509pop"))) == ["c", "e"])
            #expect(names(try await store.listNodes(.init(certExpiresBefore: early + 1))) == ["c"])
            let eu = SelectorMatch(Fixtures.selectors("aws:region:eu"), mode: .superset)
            #expect(names(try await store.listNodes(.init(selectors: eu))) == ["a", "c"])
            let subset = SelectorMatch(Fixtures.selectors("aws:region:eu"), mode: .subset)
            #expect(names(try await store.listNodes(.init(selectors: subset))) == ["a", "d", "e"])
            #expect(try await store.countNodes(.init(attestationType: "x509pop")) == 3)
            #expect(names(try await store.listNodes(.init(canReattest: true))) == ["e"])
            #expect(try await store.countNodes(.init(canReattest: false)) == 4)
            #expect(try await store.countNodes(.init()) == 5)

            let first = try await store.listNodes(.init(), pagination: Pagination(size: 3))
            #expect(names(first.items) == ["a", "b", "c"])
            let second = try await store.listNodes(.init(), pagination: Pagination(token: first.nextToken, size: 3))
            #expect(names(second.items) == ["d", "e"])
            #expect(second.nextToken == nil)
            await expectError(.invalidArgument) {
                _ = try await store.listNodes(.init(), pagination: Pagination(size: 0))
            }
        }
    }

    @Test(
        "update rotates serials, bans and unbans, replaces selectors and keeps createdAt",
        arguments: DatastoreKind.allCases
    )
    func update(kind: DatastoreKind) async throws {
        let clock = TestClock()
        try await kind.withStore(clock: clock) { store in
            let created = try await store.createNode(Fixtures.node("a", selectors: ["aws:region:eu"])).value
            clock.advance(by: 30)

            var renewing = created
            renewing.newCertSerialNumber = "02"
            renewing.newCertNotAfter = created.certNotAfter + 3600
            _ = try await store.updateNode(renewing)
            var renewed = renewing
            renewed.certSerialNumber = "02"
            renewed.certNotAfter = created.certNotAfter + 3600
            renewed.newCertSerialNumber = nil
            renewed.newCertNotAfter = nil
            renewed.selectors = Fixtures.selectors("aws:region:us")
            let stored = try await store.updateNode(renewed).value
            #expect(stored.createdAt == created.createdAt)
            #expect(try await store.fetchNode(spiffeID: created.spiffeID) == stored)

            var banned = stored
            banned.banned = true
            _ = try await store.updateNode(banned)
            #expect(try await store.fetchNode(spiffeID: created.spiffeID)?.banned == true)
            banned.banned = false
            _ = try await store.updateNode(banned)
            #expect(try await store.fetchNode(spiffeID: created.spiffeID)?.banned == false)
        }
    }

    @Test("update and delete of an unknown node fail with notFound", arguments: DatastoreKind.allCases)
    func unknown(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            await expectError(.notFound) { _ = try await store.updateNode(Fixtures.node("ghost")) }
            await expectError(.notFound) { _ = try await store.deleteNode(spiffeID: Fixtures.otherAgentID) }
        }
    }

    @Test("setAgentVersion changes the version alone, is logged as an update, survives updates, and is bounded at 255 bytes", arguments: DatastoreKind.allCases)
    func agentVersion(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let created = try await store.createNode(Fixtures.node("a", selectors: ["aws:region:eu"])).value
            #expect(created.agentVersion == "")
            // A ban committed after the version was read is not undone by the report (it writes one column).
            var banned = created
            banned.banned = true
            _ = try await store.updateNode(banned)
            let reported = try await store.setAgentVersion("1.12.0", spiffeID: created.spiffeID)
            #expect(reported.value.agentVersion == "1.12.0" && reported.value.banned && reported.value.selectors == created.selectors)
            #expect(try await store.fetchNode(spiffeID: created.spiffeID)?.agentVersion == "1.12.0")
            #expect(try await store.listNodes().first?.agentVersion == "1.12.0")
            let events = try await store.listEvents(after: 0, limit: 10)
            let last = try #require(events.last)
            #expect(last.kind == .nodeUpdated && last.id == created.spiffeID.string && last.seq == reported.seq)
            // A renewal (a whole-node update) from a copy read before the report keeps it, as does a re-attestation's.
            var renewed = banned
            renewed.certSerialNumber = "03"
            #expect(try await store.updateNode(renewed).value.agentVersion == "1.12.0")
            #expect(try await store.fetchNode(spiffeID: created.spiffeID)?.agentVersion == "1.12.0")
            var reattested = Fixtures.node("a", type: "x509pop")
            reattested.agentVersion = ""
            _ = try await store.updateNode(reattested)
            #expect(try await store.fetchNode(spiffeID: created.spiffeID)?.agentVersion == "1.12.0")
            _ = try await store.setAgentVersion(String(repeating: "v", count: 255), spiffeID: created.spiffeID)
            await expectError(.invalidArgument) { _ = try await store.setAgentVersion(String(repeating: "v", count: 256), spiffeID: created.spiffeID) }
            #expect(try await store.fetchNode(spiffeID: created.spiffeID)?.agentVersion == String(repeating: "v", count: 255))
            await expectError(.notFound) { _ = try await store.setAgentVersion("1.12.0", spiffeID: Fixtures.otherAgentID) }
        }
    }

    @Test("delete evicts the node and its selectors", arguments: DatastoreKind.allCases)
    func delete(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let created = try await store.createNode(Fixtures.node("a", selectors: ["aws:region:eu"])).value
            let deleted = try await store.deleteNode(spiffeID: created.spiffeID)
            #expect(deleted.value == created)
            #expect(try await store.fetchNode(spiffeID: created.spiffeID) == nil)
            // Attesting again starts from nothing.
            let again = try await store.createNode(Fixtures.node("a")).value
            #expect(again.selectors.isEmpty)
        }
    }

    @Test(
        "prune deletes expired nodes that can re-attest, and the others only when asked",
        arguments: DatastoreKind.allCases
    )
    func prune(kind: DatastoreKind) async throws {
        try await kind.withStore { store in
            let past = Date(timeIntervalSince1970: 1_700_000_000)
            _ = try await store.createNode(Fixtures.node("reattestable", canReattest: true, notAfter: past))
            _ = try await store.createNode(Fixtures.node("tofu", notAfter: past))
            _ = try await store.createNode(Fixtures.node("banned", banned: true, canReattest: true, notAfter: past))
            _ = try await store.createNode(Fixtures.node("fresh", canReattest: true))
            let cutoff = Date(timeIntervalSince1970: 1_800_000_000)
            let first = try await store.pruneNodes(expiredBefore: cutoff, includeNonReattestable: false)
            #expect(first.map(\.value.spiffeID.path) == ["/spire/agent/reattestable"])
            let second = try await store.pruneNodes(expiredBefore: cutoff, includeNonReattestable: true)
            #expect(second.map(\.value.spiffeID.path) == ["/spire/agent/tofu"])
            #expect(try await store.countNodes(.init()) == 2)
        }
    }
}
