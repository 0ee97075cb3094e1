package import Foundation

/// What scripts/test hands the interop tests through the environment: the Python with py-spiffe and spiffe-tls, the
/// built Hummingbird example, and whether their absence is a failure (CI) rather than a reason to skip (a bare
/// `swift test`).
package enum InteropEnvironment {
    /// `STEEPLE_PYTHON`: a Python with `spiffe` and `spiffe-tls` (scripts/test's `.build/interop-venv`).
    package static var python: String? { ProcessInfo.processInfo.environment["STEEPLE_PYTHON"] }
    /// `STEEPLE_EXAMPLE_JWT_SERVICE`: the `example-jwt-service` binary of Examples/HummingbirdJWT.
    package static var exampleJWTService: String? { ProcessInfo.processInfo.environment["STEEPLE_EXAMPLE_JWT_SERVICE"] }
    /// `STEEPLE_REQUIRE_INTEROP=1`: the tests above must run.
    package static var required: Bool { ProcessInfo.processInfo.environment["STEEPLE_REQUIRE_INTEROP"] == "1" }
}
