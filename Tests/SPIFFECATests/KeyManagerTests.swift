import Foundation
import SPIFFECA
import SteepleSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("KeyManager")
struct KeyManagerTests {
    static func temporaryDirectory() -> String {
        let directory = "/tmp/steeple-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(directory, 0o700)
        return directory
    }

    static func temporaryPath(_ name: String) -> String {
        temporaryDirectory() + "/" + name
    }

    @Test("disk keys survive a new manager on the same file, which is mode 0600")
    func diskPersists() async throws {
        let path = Self.temporaryPath("keys.json")
        let first = try DiskKeyManager(path: path)
        let x509 = try await first.generateKey(id: "x509-A", type: .ecP256)
        let jwt = try await first.generateKey(id: "jwt-A", type: .rsa2048)
        let second = try DiskKeyManager(path: path)
        #expect(try await second.fetchKey(id: "x509-A") == x509)
        #expect(try await second.fetchKey(id: "jwt-A") == jwt)
        #expect(try await second.fetchKey(id: "missing") == nil)
        // FileManager, not stat(2): `struct stat` comes from whichever C module of this test target loads first
        // (CoreFoundation through another file's Foundation import), which MemberImportVisibility then demands here.
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o600)
        try await second.deleteKey(id: "jwt-A")
        #expect(try await DiskKeyManager(path: path).fetchKey(id: "jwt-A") == nil)
        #expect(try await DiskKeyManager(path: path).fetchKey(id: "x509-A") == x509)
    }

    @Test("a corrupted key file is refused with a keyStorage error, not ignored")
    func diskCorrupted() async throws {
        let path = Self.temporaryPath("keys.json")
        try FileIO.writeAtomically(path: path, contents: Array("# key-id: a\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".utf8), mode: 0o600)
        let error = #expect(throws: CAError.self) { try DiskKeyManager(path: path) }
        #expect(error?.code == .keyStorage)
        let unwritable = await #expect(throws: CAError.self) {
            try await DiskKeyManager(path: "/nonexistent-dir/keys").generateKey(id: "a", type: .ecP256)
        }
        #expect(unwritable?.code == .keyStorage)
        #expect(unwritable?.message.contains("could not create /nonexistent-dir/keys.tmp-") == true)
    }

    @Test("memory keys are per instance")
    func memory() async throws {
        let manager = InMemoryKeyManager()
        let key = try await manager.generateKey(id: "a", type: .ecP384)
        #expect(try await manager.fetchKey(id: "a") == key)
        try await manager.deleteKey(id: "a")
        #expect(try await manager.fetchKey(id: "a") == nil)
        #expect(try await InMemoryKeyManager().fetchKey(id: "a") == nil)
    }
}
