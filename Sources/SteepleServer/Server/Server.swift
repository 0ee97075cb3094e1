package import Logging

/// The composition root of `steeple-server run`: opens the datastore, loads or creates the CA, and runs the
/// admin API, the agent API, the CA rotation and the health listener as one service group until a signal stops it.
package struct Server: Sendable {
    package let configuration: ServerConfiguration
    package let logger: Logger

    package init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully.
    package func run() async throws {
        fatalError("Server.run is being written")
    }
}
