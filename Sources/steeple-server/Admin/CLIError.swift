/// A failure an admin command reports to the operator.
///
/// ArgumentParser prints it as `Error: <message>` on stderr and exits with status 1, as SPIRE's CLI does.
struct CLIError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, lowercase and without a final period (SPIRE's convention).
    var message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}

extension CLIError {
    /// The server's admin socket does not exist or refuses connections.
    static func cannotConnect(socketPath: String, detail: String? = nil) -> CLIError {
        var message = "cannot connect to the server at \(socketPath): is steeple-server running? (-socketPath)"
        if let detail, !detail.isEmpty {
            message += ": \(detail)"
        }
        return CLIError(message)
    }
}
