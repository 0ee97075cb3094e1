/// The result of a mutation: the record as stored and the change-log sequence number of its event.
package struct Committed<Value: Sendable>: Sendable {
    /// The record as the store now holds it (or held it, for a delete).
    package var value: Value
    /// The ``ChangeEvent/seq`` of the event appended in the same transaction.
    package var seq: UInt64

    /// Creates a result.
    package init(value: Value, seq: UInt64) {
        self.value = value
        self.seq = seq
    }
}

extension Committed: Equatable where Value: Equatable {}
extension Committed: Hashable where Value: Hashable {}
