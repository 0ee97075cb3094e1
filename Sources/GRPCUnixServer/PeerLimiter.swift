import Synchronization

/// Per-caller (uid) caps on connections and streams: one local user cannot take every file descriptor or every
/// stream of the listener from the others. Counts are taken when a connection or stream is accepted and given back
/// when it closes.
final class PeerLimiter: Sendable {
    private struct Counts {
        var connections: [UInt32: Int] = [:]
        var streams: [UInt32: Int] = [:]
    }

    let maxConnectionsPerUID: Int
    let maxStreamsPerUID: Int
    private let counts = Mutex(Counts())

    init(maxConnectionsPerUID: Int, maxStreamsPerUID: Int) {
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.maxStreamsPerUID = maxStreamsPerUID
    }

    /// Takes a connection slot for `uid`; false when the uid is at its cap.
    func acquireConnection(uid: UInt32) -> Bool {
        counts.withLock { counts in
            let current = counts.connections[uid, default: 0]
            guard current < maxConnectionsPerUID else { return false }
            counts.connections[uid] = current + 1
            return true
        }
    }

    func releaseConnection(uid: UInt32) {
        counts.withLock { counts in
            let left = counts.connections[uid, default: 1] - 1
            counts.connections[uid] = left > 0 ? left : nil
        }
    }

    /// Takes a stream slot for `uid`; false when the uid is at its cap.
    func acquireStream(uid: UInt32) -> Bool {
        counts.withLock { counts in
            let current = counts.streams[uid, default: 0]
            guard current < maxStreamsPerUID else { return false }
            counts.streams[uid] = current + 1
            return true
        }
    }

    func releaseStream(uid: UInt32) {
        counts.withLock { counts in
            let left = counts.streams[uid, default: 1] - 1
            counts.streams[uid] = left > 0 ? left : nil
        }
    }

    func connections(uid: UInt32) -> Int { counts.withLock { $0.connections[uid, default: 0] } }
    func streams(uid: UInt32) -> Int { counts.withLock { $0.streams[uid, default: 0] } }
}
