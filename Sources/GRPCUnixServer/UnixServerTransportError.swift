/// Errors thrown by ``UnixServerTransport``. `code` is stable and meant for logs and tests; `message` is for people.
public struct UnixServerTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The socket's parent directory could not be created.
        public static let socketDirectory = Code(rawValue: "unix-server.socket-directory")
        /// The socket could not be created, bound or put to listen.
        public static let bind = Code(rawValue: "unix-server.bind")
        /// The socket file could not be given its mode.
        public static let socketMode = Code(rawValue: "unix-server.socket-mode")
        /// The transport stopped (or failed) before it was listening.
        public static let notListening = Code(rawValue: "unix-server.not-listening")
        /// `listen` was called twice on one transport.
        public static let alreadyListening = Code(rawValue: "unix-server.already-listening")
        /// The peer's credentials could not be read; the connection is refused.
        public static let peerCredentials = Code(rawValue: "unix-server.peer-credentials")
        /// The peer's uid holds ``UnixServerTransport/Configuration/maxConnectionsPerUID`` connections already.
        public static let tooManyConnections = Code(rawValue: "unix-server.too-many-connections")
        /// The peer's uid has ``UnixServerTransport/Configuration/maxStreamsPerUID`` streams open already.
        public static let tooManyStreams = Code(rawValue: "unix-server.too-many-streams")
        /// The socket's directory belongs to another (non-root) user.
        public static let socketDirectoryOwner = Code(rawValue: "unix-server.socket-directory-owner")
        /// Another live server answers on the socket already.
        public static let socketInUse = Code(rawValue: "unix-server.socket-in-use")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
