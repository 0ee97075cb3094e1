/// SPIRE's `health_checks { … }` block, as the server and the agent read it:
///
///     health_checks {
///         listener_enabled = true
///         bind_address = "localhost"
///         bind_port = "80"
///         live_path = "/live"
///         ready_path = "/ready"
///     }
///
/// With `listener_enabled`, a ``HealthListener`` answers `GET <live_path>` and `GET <ready_path>` over plain HTTP.
public struct HealthCheckConfiguration: Sendable, Hashable {
    /// `listener_enabled` (default false): whether the HTTP listener runs at all.
    public var listenerEnabled = false
    /// `bind_address` (default `localhost`).
    public var bindAddress = "localhost"
    /// `bind_port` (default 80), a number or a string as SPIRE accepts; 0 asks the system for a free port (tests).
    public var bindPort = 80
    /// `live_path` (default `/live`): starts with `/`.
    public var livePath = "/live"
    /// `ready_path` (default `/ready`): starts with `/`.
    public var readyPath = "/ready"

    public init() {}

    /// The keys the block takes.
    package static let keys: Set<String> = ["listener_enabled", "bind_address", "bind_port", "live_path", "ready_path"]
}
