/// The updates of one Workload API stream: each element is the complete current state (SPEC §6.5).
///
/// The stream stays open as long as it is iterated. It ends by throwing ``WorkloadAPIError``: the server's status
/// mapped to a code (``WorkloadAPIError/Code/permissionDenied``, ``WorkloadAPIError/Code/unavailable``, …),
/// ``WorkloadAPIError/Code/malformedResponse`` for a message that breaks the Workload API's rules,
/// ``WorkloadAPIError/Code/streamEnded`` when the server ends it with OK, or
/// ``WorkloadAPIError/Code/clientClosed`` when the client closes. It never retries: ``X509Source`` and
/// ``JWTSource`` do, with backoff. Only the newest unread update is kept, so a slow reader skips stale states.
/// Stopping the iteration (dropping the iterator or cancelling its task) cancels the RPC.
public struct WorkloadAPIWatch<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = WorkloadAPIError

    private let stream: AsyncThrowingStream<Element, any Error>

    init(stream: AsyncThrowingStream<Element, any Error>) {
        self.stream = stream
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }

    /// The iterator of a ``WorkloadAPIWatch``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var base: AsyncThrowingStream<Element, any Error>.AsyncIterator

        init(base: AsyncThrowingStream<Element, any Error>.AsyncIterator) {
            self.base = base
        }

        /// The next state, or `nil` after the iteration was cancelled.
        public mutating func next() async throws(WorkloadAPIError) -> Element? {
            do {
                return try await base.next()
            } catch {
                throw WorkloadAPIError.mapping(error, call: "watch")
            }
        }

        /// The next state, or `nil` after the iteration was cancelled.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(WorkloadAPIError) -> Element? {
            do {
                return try await base.next(isolation: actor)
            } catch {
                throw WorkloadAPIError.mapping(error, call: "watch")
            }
        }
    }
}
