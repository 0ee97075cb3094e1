import NIOHTTP1

/// What a ``HealthListener`` answers to one request: `GET` or `HEAD` of `live_path` or `ready_path` → 200 when the
/// ``HealthReporter`` says healthy, else 500 (as SPIRE's), with ``HealthState/json(flag:)``; another method on those
/// paths → 405; any other path → 404. A query string is not part of the path.
struct HealthRouter: Sendable {
    let configuration: HealthCheckConfiguration

    func answer(method: HTTPMethod, uri: String, _ reporter: some HealthReporter) async -> (status: HTTPResponseStatus, body: String) {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == configuration.livePath || path == configuration.readyPath else {
            return (.notFound, #"{"error":"not found"}"#)
        }
        guard method == .GET || method == .HEAD else {
            return (.methodNotAllowed, #"{"error":"method not allowed: use GET"}"#)
        }
        let state: HealthState
        let flag: String
        if path == configuration.livePath {
            state = await reporter.liveness()
            flag = "live"
        } else {
            state = await reporter.readiness()
            flag = "ready"
        }
        return (state.healthy ? .ok : .internalServerError, state.json(flag: flag))
    }
}
