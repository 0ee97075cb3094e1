import Synchronization

#if canImport(Glibc)
import Glibc
#endif
// `struct stat` is imported through whichever module loads <sys/stat.h> first: Glibc in a debug build, CoreFoundation
// (under Foundation, which this module also uses) in a release build. Importing both lets either own it.
#if canImport(CoreFoundation)
import CoreFoundation
#endif

/// User and group names by ID (`unix:user:`, `unix:group:`, `unix:supplementary_group:`), from the system's account
/// database, kept a few seconds instead of asked for on every Workload API call: `getpwuid_r` and `getgrgid_r` read and
/// parse `/etc/passwd` and `/etc/group` each time, which was about 6 % of the agent's CPU under a load of
/// FetchX509SVID calls.
///
/// A name is kept for `lifetime` at most, and every name is dropped at once when the file it came from changes
/// (`/etc/passwd` or `/etc/group`: inode, size or modification time, checked with one `stat` per lookup). Names from
/// other sources (LDAP, sssd) can therefore be up to `lifetime` old, as with nscd.
final class AccountNameCache: Sendable {
    typealias Lookup = @Sendable (UInt32) -> String?

    private struct Kept {
        let name: String?
        let at: ContinuousClock.Instant
    }

    private struct Table {
        var names: [UInt32: Kept] = [:]
        var fileSignature: FileSignature?
    }

    /// What identifies a version of an account file; a value, so the check on every lookup allocates nothing.
    private struct FileSignature: Equatable {
        let inode: UInt64
        let size: Int64
        let seconds: Int
        let nanoseconds: Int
    }

    /// More IDs than this are not worth keeping: the table is emptied and starts again.
    static let capacity = 4096

    let lifetime: Duration
    private let passwdPath: String
    private let groupPath: String
    private let lookUpUser: Lookup
    private let lookUpGroup: Lookup
    private let users = Mutex(Table())
    private let groups = Mutex(Table())

    init(
        lifetime: Duration = .seconds(5), passwdPath: String = "/etc/passwd", groupPath: String = "/etc/group",
        lookUpUser: @escaping Lookup = AccountNameCache.systemUserName, lookUpGroup: @escaping Lookup = AccountNameCache.systemGroupName
    ) {
        self.lifetime = lifetime
        self.passwdPath = passwdPath
        self.groupPath = groupPath
        self.lookUpUser = lookUpUser
        self.lookUpGroup = lookUpGroup
    }

    func userName(_ uid: UInt32) -> String? {
        Self.name(uid, in: users, file: passwdPath, lifetime: lifetime, lookUp: lookUpUser)
    }

    func groupName(_ gid: UInt32) -> String? {
        Self.name(gid, in: groups, file: groupPath, lifetime: lifetime, lookUp: lookUpGroup)
    }

    private static func name(_ id: UInt32, in table: borrowing Mutex<Table>, file: String, lifetime: Duration, lookUp: Lookup) -> String? {
        let now = ContinuousClock.now
        let signature = fileSignature(file)
        let kept = table.withLock { table -> Kept? in
            if table.fileSignature != signature {
                table.names = [:]
                table.fileSignature = signature
            }
            guard let kept = table.names[id], now - kept.at < lifetime else { return nil }
            return kept
        }
        if let kept { return kept.name }
        // Looked up outside the lock: a slow name service does not hold back callers whose names are kept.
        let name = lookUp(id)
        table.withLock { table in
            guard table.fileSignature == signature else { return }
            if table.names.count >= capacity { table.names = [:] }
            table.names[id] = Kept(name: name, at: now)
        }
        return name
    }

    /// Inode, size and modification time of `path`; nil when it cannot be read (then only `lifetime` bounds a name).
    private static func fileSignature(_ path: String) -> FileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileSignature(inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec)
    }

    static func systemUserName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name else { return nil }
        return String(cString: name)
    }

    static func systemGroupName(_ gid: UInt32) -> String? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.gr_name else { return nil }
        return String(cString: name)
    }
}
