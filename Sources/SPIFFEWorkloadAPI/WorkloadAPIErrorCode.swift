extension WorkloadAPIError {
    /// A stable error code. Its ``description`` is part of the public contract (logs, CLI output, docs):
    /// codes are never renamed or reused.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case endpointNotConfigured
            case endpointSchemeUnsupported
            case endpointAuthorityNotAllowed
            case endpointPathMissing
            case endpointPathNotAbsolute
            case endpointExtraComponents
            case endpointHostNotIP
            case endpointPortMissing
            case endpointPortInvalid
            case invalidRequest
            case permissionDenied
            case invalidArgument
            case unavailable
            case unimplemented
            case deadlineExceeded
            case cancelled
            case rpcFailed
            case malformedResponse
            case streamEnded
            case clientClosed
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        public var description: String { wrapped.rawValue }

        // MARK: Endpoint address (SPEC §6.7, Workload Endpoint §4)

        /// No endpoint was given and `SPIFFE_ENDPOINT_SOCKET` is unset or empty.
        public static let endpointNotConfigured = Code(.endpointNotConfigured)
        /// The address has no scheme, or a scheme other than `unix` or `tcp`.
        public static let endpointSchemeUnsupported = Code(.endpointSchemeUnsupported)
        /// A `unix` address has an authority (`unix://host/path`, `unix://foo`, userinfo): it must have none.
        public static let endpointAuthorityNotAllowed = Code(.endpointAuthorityNotAllowed)
        /// A `unix` address has no socket path (`unix://`, `unix:/`, `unix:///`).
        public static let endpointPathMissing = Code(.endpointPathMissing)
        /// A `unix` address has a relative (opaque) path such as `unix:agent.sock`.
        public static let endpointPathNotAbsolute = Code(.endpointPathNotAbsolute)
        /// The address has a component its scheme forbids: a query or fragment, userinfo, or a `tcp` path.
        public static let endpointExtraComponents = Code(.endpointExtraComponents)
        /// A `tcp` address has no host, or a host that is not an IP address (`tcp://localhost:8000`, `tcp:opaque`).
        public static let endpointHostNotIP = Code(.endpointHostNotIP)
        /// A `tcp` address has no port.
        public static let endpointPortMissing = Code(.endpointPortMissing)
        /// A `tcp` address has a port that is not a number from 1 to 65535.
        public static let endpointPortInvalid = Code(.endpointPortInvalid)

        // MARK: Calls

        /// The caller's arguments are unusable before anything is sent (for example an empty audience list).
        public static let invalidRequest = Code(.invalidRequest)
        /// The server gave this workload no identity, or none matching the request (gRPC `PermissionDenied`,
        /// SPIRE's `no identity issued`). Clients may retry with backoff (Workload Endpoint §6).
        public static let permissionDenied = Code(.permissionDenied)
        /// The server refused the request as invalid (gRPC `InvalidArgument`): a missing security header, a
        /// missing audience, or a JWT-SVID that failed validation. Clients should not retry.
        public static let invalidArgument = Code(.invalidArgument)
        /// The server cannot be reached or cannot serve now (gRPC `Unavailable`, or the connection failed or was
        /// lost). Clients retry with backoff.
        public static let unavailable = Code(.unavailable)
        /// The server does not implement the RPC (gRPC `Unimplemented`).
        public static let unimplemented = Code(.unimplemented)
        /// The call's deadline passed (gRPC `DeadlineExceeded`).
        public static let deadlineExceeded = Code(.deadlineExceeded)
        /// The call was cancelled, by the caller's task or by the server (gRPC `Cancelled`).
        public static let cancelled = Code(.cancelled)
        /// The server failed the call with another gRPC status; the message names it.
        public static let rpcFailed = Code(.rpcFailed)
        /// The server answered with something that breaks the Workload API's rules: no SVID, an SVID, bundle or
        /// token that does not parse or breaks SPIFFE rules, a mismatched `spiffe_id`, an empty bundle map.
        public static let malformedResponse = Code(.malformedResponse)
        /// The server ended a watched stream with an OK status; Workload API streams are meant to stay open, so a
        /// watcher should reconnect (SPEC §6.5).
        public static let streamEnded = Code(.streamEnded)
        /// The client was closed: no new call is accepted and open watches end with this code.
        public static let clientClosed = Code(.clientClosed)
    }
}
