import SteepleSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("FileIO")
struct FileIOTests {
    static func temporaryDirectory() -> String {
        let directory = "/tmp/steeple-fileio-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(directory, 0o700)
        return directory
    }

    @Test("writeAtomically writes the bytes with the mode, replaces an existing file and leaves no temporary file")
    func writeReadReplace() throws {
        let directory = Self.temporaryDirectory()
        let path = directory + "/state.json"
        try FileIO.writeAtomically(path: path, contents: Array("first\n".utf8), mode: 0o600)
        #expect(FileIO.read(path: path) == "first\n")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)

        try FileIO.writeAtomically(path: path, contents: Array("second, longer than the first\n".utf8), mode: 0o644)
        #expect(FileIO.read(path: path) == "second, longer than the first\n")
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o644)
        #expect(access(path + ".tmp-\(getpid())", F_OK) != 0)
    }

    @Test("read gives nil for a missing file and the whole contents of a file larger than its buffer")
    func readMissingAndLarge() throws {
        #expect(FileIO.read(path: "/nonexistent-dir/none") == nil)
        let path = Self.temporaryDirectory() + "/large"
        let text = String(repeating: "0123456789abcdef", count: 10_000)  // 160,000 bytes: three reads of 64 KiB
        try FileIO.writeAtomically(path: path, contents: Array(text.utf8), mode: 0o600)
        #expect(FileIO.read(path: path) == text)
    }

    @Test("a failed write names the step, the path and errno")
    func failure() {
        let error = #expect(throws: FileIOError.self) {
            try FileIO.writeAtomically(path: "/nonexistent-dir/keys", contents: [1], mode: 0o600)
        }
        #expect(error?.step == "create")
        #expect(error?.path == "/nonexistent-dir/keys.tmp-\(getpid())")
        #expect(error?.errno == ENOENT)
        #expect(error?.description == "could not create /nonexistent-dir/keys.tmp-\(getpid()): No such file or directory")
    }
}
