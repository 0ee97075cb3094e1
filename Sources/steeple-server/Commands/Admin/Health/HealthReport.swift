import SteepleServerAPIProto

/// The verdict on a `HealthResponse`: a live server passes a shallow check; a full check also needs it ready.
struct HealthReport: Equatable {
    /// Why the server is unhealthy, or `nil` when it is healthy.
    var problem: String?
    /// The verbose lines: each component's state.
    var details: String

    init(_ response: Steeple_Server_V1_HealthResponse, shallow: Bool) {
        let components = "datastore: \(Self.state(response.datastore)), ca: \(Self.state(response.ca))"
        if !response.live {
            problem = "server is not live (\(components))"
        } else if !shallow, !response.ready {
            problem = "server is not ready (\(components))"
        } else {
            problem = nil
        }
        details = "Live: \(response.live)\nReady: \(response.ready)\nDatastore: \(Self.state(response.datastore))\nCA: \(Self.state(response.ca))\n"
    }

    private static func state(_ text: String) -> String {
        text.isEmpty ? "unknown" : text
    }
}
