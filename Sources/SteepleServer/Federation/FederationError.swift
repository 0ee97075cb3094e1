/// Why a federated bundle could not be refreshed, or a federation setting is unusable: a message that names the
/// trust domain, the endpoint and what went wrong.
struct FederationError: Error, Sendable, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
