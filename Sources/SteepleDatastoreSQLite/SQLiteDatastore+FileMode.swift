#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The database holds every registration and the CA journal: its files are for the server's user only.
extension SQLiteDatastore {
    /// The mode of the database file and of SQLite's `-wal` and `-shm` files beside it.
    static let fileMode: mode_t = 0o600

    /// The database file and the files SQLite keeps beside it.
    static func files(of path: String) -> [String] {
        [path, path + "-wal", path + "-shm"]
    }

    /// Creates the database file with mode 0600 when it does not exist yet, so that SQLite (which gives its `-wal`
    /// and `-shm` files the database file's mode) never creates anything group- or world-readable.
    static func createFileIfMissing(_ path: String) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, fileMode)
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Removes group and other permissions from the database files that exist (a file created by an older build, or
    /// by hand, with 0644). Returns the paths it changed.
    @discardableResult
    static func tightenFileModes(_ path: String) -> [String] {
        var changed: [String] = []
        for file in files(of: path) {
            var info = stat()
            guard stat(file, &info) == 0, info.st_mode & 0o077 != 0 else { continue }
            if chmod(file, info.st_mode & 0o700) == 0 { changed.append(file) }
        }
        return changed
    }
}
