import Foundation

/// The terminal the admin commands write to. Text is written as given, unbuffered: callers supply the newlines.
enum Console {
    /// Writes to standard output.
    static func out(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes to standard error.
    static func err(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
