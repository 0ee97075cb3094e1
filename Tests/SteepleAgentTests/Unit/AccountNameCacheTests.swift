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

    func files() throws -> (passwd: String, group: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steeple-names-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "root:x:0:0::/root:/bin/sh\n".write(toFile: directory + "/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\n".write(toFile: directory + "/group", atomically: false, encoding: .utf8)
        return (directory + "/passwd", directory + "/group")
    }

    @Test("a name (or its absence) is looked up once while it is kept; users and groups are kept apart")
    func kept() throws {
        let (passwd, group) = try files()
        defer { try? FileManager.default.removeItem(atPath: (passwd as NSString).deletingLastPathComponent) }
        let users = Counter(), groups = Counter()
        let cache = AccountNameCache(lifetime: .seconds(60), passwdPath: passwd, groupPath: group, lookUpUser: users.lookUp, lookUpGroup: groups.lookUp)
        for _ in 0..<3 {
            #expect(cache.userName(1000) == "name-1000")
            #expect(cache.userName(404) == nil)
            #expect(cache.groupName(1000) == "name-1000")
        }
        #expect(users.calls.withLock { $0 } == [1000, 404])
        #expect(groups.count == 1)
    }

    @Test("a name older than the lifetime is looked up again")
    func expires() async throws {
        let (passwd, group) = try files()
        defer { try? FileManager.default.removeItem(atPath: (passwd as NSString).deletingLastPathComponent) }
        let users = Counter()
        let cache = AccountNameCache(lifetime: .milliseconds(50), passwdPath: passwd, groupPath: group, lookUpUser: users.lookUp, lookUpGroup: users.lookUp)
        _ = cache.userName(7)
        _ = cache.userName(7)
        #expect(users.count == 1)
        try await Task.sleep(for: .milliseconds(120))
        _ = cache.userName(7)
        #expect(users.count == 2)
    }

    @Test("a change to /etc/passwd drops every kept user name at once (and only user names)")
    func fileChange() throws {
        let (passwd, group) = try files()
        defer { try? FileManager.default.removeItem(atPath: (passwd as NSString).deletingLastPathComponent) }
        let users = Counter(), groups = Counter()
        let cache = AccountNameCache(lifetime: .seconds(60), passwdPath: passwd, groupPath: group, lookUpUser: users.lookUp, lookUpGroup: groups.lookUp)
        _ = cache.userName(1000)
        _ = cache.groupName(1000)
        try "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n".write(toFile: passwd, atomically: false, encoding: .utf8)
        _ = cache.userName(1000)
        _ = cache.groupName(1000)
        #expect(users.count == 2)
        #expect(groups.count == 1)
    }

    @Test("the system's lookups: uid 0 and gid 0 are root's")
    func system() {
        let cache = AccountNameCache()
        #expect(cache.userName(0) == "root")
        #expect(cache.groupName(0) == "root")
        #expect(cache.userName(0) == "root")
    }
}
