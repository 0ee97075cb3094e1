import SteepleSupport
import Synchronization

/// Wakes every subscriber when something changes. Each subscriber holds at most one pending wake-up, so a slow one
/// never builds a queue: it just reads the latest state when it wakes.
final class ChangeBroadcaster: Sendable {
    private let subscribers = Mutex<[ObjectIdentifier: WakeSignal]>([:])

    /// A signal that this broadcaster wakes until ``unsubscribe(_:)``.
    func subscribe() -> WakeSignal {
        let signal = WakeSignal()
        subscribers.withLock { $0[ObjectIdentifier(signal)] = signal }
        return signal
    }

    func unsubscribe(_ signal: WakeSignal) {
        _ = subscribers.withLock { $0.removeValue(forKey: ObjectIdentifier(signal)) }
        signal.close()
    }

    func notify() {
        let signals = subscribers.withLock { Array($0.values) }
        for signal in signals { signal.signal() }
    }

    var subscriberCount: Int { subscribers.withLock { $0.count } }
}
