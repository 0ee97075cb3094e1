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

extension CLIError {
    /// The caller may not connect to the admin socket (its file or a directory on its path denies access).
    static func permissionDenied(socketPath: String) -> CLIError {
        CLIError(
            "permission denied connecting to \(socketPath): run as a user that may access the socket (the server's user, usually root)"
        )
    }

    /// The server refused a request over its message size limit; `serverMessage` is the transport's
    /// `request message of N bytes exceeds the limit of M bytes`.
    static func requestTooLarge(_ serverMessage: String) -> CLIError {
        let numbers = serverMessage.split { !$0.isNumber }.map(String.init)
        guard numbers.count >= 2 else { return CLIError("request too large: \(serverMessage)") }
        return CLIError("request too large: \(numbers[0]) bytes, limit \(numbers[1]) bytes (send fewer or smaller entries)")
    }
}
