import GRPCCore
import SteepleSupport
import SwiftProtobuf

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server-streaming pattern of the agent's APIs (Workload API, Delegated Identity API): send the current state,
/// then a new one whenever the cache changes, until the caller goes away.
enum ChangeStream {
    /// Sends `current()` now (or as soon as it is non-nil) and again whenever it changes, until the caller cancels.
    /// `current()` also says when to look again even if nothing changes (an SVID's expiry). A thrown error (no
    /// identity any more, or none the agent can serve) ends the stream with that status.
    static func run<Message: SwiftProtobuf.Message & Equatable>(
        changes: ChangeBroadcaster,
        to response: RPCWriter<Message>,
        _ current: @escaping @Sendable () throws(RPCError) -> (Message?, Date?)
    ) async throws {
        let signal = changes.subscribe()
        defer { changes.unsubscribe(signal) }
        try await withRPCCancellationHandler {
            var last: Message?
            while !signal.isClosed {
                let (message, recheckAt) = try current()
                if let message, message != last {
                    try await response.write(message)
                    last = message
                }
                guard await signal.wait(timeout: recheckAt.map { Delay.until($0) }) else { return }
            }
        } onCancelRPC: {
            signal.close()
        }
    }
}
