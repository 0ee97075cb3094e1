package import Logging
import ServiceLifecycle

/// A ``HealthListener`` as a lifecycle `Service` (the server's): binds when the group starts, a port already taken
/// ending the group with the address in the error, and serves until graceful shutdown.
package struct HealthListenerService<Reporter: HealthReporter>: Service {
    let configuration: HealthCheckConfiguration
    let reporter: Reporter
    let logger: Logger

    package init(configuration: HealthCheckConfiguration, reporter: Reporter, logger: Logger) {
        self.configuration = configuration
        self.reporter = reporter
        self.logger = logger
    }

    package func run() async throws {
        let listener = try await HealthListener.bind(configuration, logger: logger)
        do {
            try await cancelWhenGracefulShutdown { try await listener.serve(reporter) }
        } catch is CancellationError {
            // The normal way out: a service that threw would make the whole process exit with an error status.
            return
        }
    }
}
