import Foundation

/// Reads the data a command takes from a file or from standard input, as SPIRE's `-data`, `-file` and `-path` do.
enum InputFile {
    /// The bytes of `path`, or of standard input when `path` is `nil` or `-`.
    ///
    /// - Throws: ``CLIError`` naming the file when it cannot be read.
    static func read(_ path: String?) throws(CLIError) -> [UInt8] {
        guard let path, path != "-" else {
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read \(path): no such file or not readable")
        }
        return Array(data)
    }

    /// How error messages name the input: the path, or `stdin`.
    static func displayName(_ path: String?) -> String {
        guard let path, path != "-" else { return "stdin" }
        return path
    }
}
