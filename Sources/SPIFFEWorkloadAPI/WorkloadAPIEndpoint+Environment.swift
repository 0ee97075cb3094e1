#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension WorkloadAPIEndpoint {
    /// The environment variable that names the Workload API endpoint (Workload Endpoint §4).
    public static let environmentVariable = "SPIFFE_ENDPOINT_SOCKET"

    /// The endpoint named by `SPIFFE_ENDPOINT_SOCKET` in the process environment.
    ///
    /// - Throws: as ``fromEnvironment(_:)``.
    public static func fromEnvironment() throws(WorkloadAPIError) -> WorkloadAPIEndpoint {
        try fromEnvironment(ProcessInfo.processInfo.environment)
    }

    /// The endpoint named by `SPIFFE_ENDPOINT_SOCKET` in `environment`.
    ///
    /// This is the one place the library reads the environment: clients that were given no explicit endpoint MUST
    /// fall back to this variable (Workload Endpoint §4, STYLE §7 habit 7).
    ///
    /// - Parameter environment: the environment to read.
    /// - Throws: ``WorkloadAPIError/Code/endpointNotConfigured`` when the variable is unset or empty, or any code of
    ///   ``init(_:)``.
    public static func fromEnvironment(
        _ environment: [String: String]
    ) throws(WorkloadAPIError) -> WorkloadAPIEndpoint {
        guard let value = environment[environmentVariable], !value.isEmpty else {
            throw WorkloadAPIError(
                code: .endpointNotConfigured,
                message: "no Workload API endpoint given and \(environmentVariable) is not set"
            )
        }
        return try WorkloadAPIEndpoint(value)
    }

    /// `explicit` when given, else the endpoint of ``fromEnvironment()``: explicit configuration wins and the
    /// environment is the mandatory fallback (Workload Endpoint §4).
    static func explicitOrEnvironment(_ explicit: WorkloadAPIEndpoint?) throws(WorkloadAPIError) -> WorkloadAPIEndpoint {
        if let explicit { return explicit }
        return try fromEnvironment()
    }
}
