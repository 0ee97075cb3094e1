/// Why a call to a Kubernetes API server or kubelet failed, or why its answer cannot be used.
public struct KubernetesError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    /// The HTTP status of the answer, when there was one.
    public let httpStatus: Int?

    public init(_ message: String, httpStatus: Int? = nil) {
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { message }
}
