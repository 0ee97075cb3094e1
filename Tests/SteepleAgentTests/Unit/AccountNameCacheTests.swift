import Foundation
@testable import SteepleAgent
import Synchronization
import Testing

@Suite("Account name cache (unix:user: and unix:group: names)")
struct AccountNameCacheTests {
    final class Counter: Sendable {
        let calls = Mutex<[UInt32]>([])
        var count: Int { calls.withLock { $0.count } }
        func lookUp(_ id: UInt32) -> String? {
            calls.withLock { $0.append(id) }
            return id == 404 ? nil : "name-\(id)"
        }
    }

    /// A cache over copies of /etc/passwd and /etc/group in a temporary directory, with counting lookups.
    func withCache(lifetime: Duration, _ body: (_ cache: AccountNameCache, _ users: Counter, _ groups: Counter, _ passwd: String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-names-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "root:x:0:0::/root:/bin/sh\n".write(toFile: directory + "/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\n".write(toFile: directory + "/group", atomically: false, encoding: .utf8)
        let users = Counter(), groups = Counter()
        let cache = AccountNameCache(lifetime: lifetime, passwdPath: directory + "/passwd", groupPath: directory + "/group", lookUpUser: users.lookUp, lookUpGroup: groups.lookUp)
        try await body(cache, users, groups, directory + "/passwd")
    }

    @Test("a name (or its absence) is looked up once while it is kept; users and groups are kept apart")
    func kept() async throws {
        try await withCache(lifetime: .seconds(60)) { cache, users, groups, _ in
            for _ in 0..<3 {
                #expect(cache.userName(1000) == "name-1000")
                #expect(cache.userName(404) == nil)
                #expect(cache.groupName(1000) == "name-1000")
            }
            #expect(users.calls.withLock { $0 } == [1000, 404])
            #expect(groups.count == 1)
        }
    }

    @Test("a name older than the lifetime is looked up again")
    func expires() async throws {
        try await withCache(lifetime: .milliseconds(50)) { cache, users, _, _ in
            _ = cache.userName(7)
            _ = cache.userName(7)
            #expect(users.count == 1)
            try await Task.sleep(for: .milliseconds(120))
            _ = cache.userName(7)
            #expect(users.count == 2)
        }
    }

    @Test("a change to /etc/passwd drops every kept user name at once (and only user names)")
    func fileChange() async throws {
        try await withCache(lifetime: .seconds(60)) { cache, users, groups, passwd in
            _ = cache.userName(1000)
            _ = cache.groupName(1000)
            try "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n".write(toFile: passwd, atomically: false, encoding: .utf8)
            _ = cache.userName(1000)
            _ = cache.groupName(1000)
            #expect(users.count == 2)
            #expect(groups.count == 1)
        }
    }

    @Test("the system's lookups: uid 0 and gid 0 are root's")
    func system() {
        let cache = AccountNameCache()
        #expect(cache.userName(0) == "root")
        #expect(cache.groupName(0) == "root")
        #expect(cache.userName(0) == "root")
    }
}
