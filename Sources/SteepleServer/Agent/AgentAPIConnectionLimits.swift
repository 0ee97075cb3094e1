import GRPCNIOTransportHTTP2
import Logging
import NIOCore
import NIOSSL

/// How the agent API's TCP listener treats connections that do not behave: a TLS handshake not finished within
/// ``handshakeTimeout`` is closed (half-open and silent connections would otherwise hold a descriptor forever),
/// connections without a call for ``maxIdleTime`` are closed, and keepalive pings find agents that vanished without
/// closing their connection. Agents hold a sync stream open, so none of this touches a healthy agent.
enum AgentAPIConnectionLimits {
    static let handshakeTimeout = TimeAmount.seconds(10)
    static let maxIdleTime = Duration.seconds(300)

    static func configure(_ config: inout HTTP2ServerTransport.Posix.Config, logger: Logger) {
        config.connection.maxIdleTime = maxIdleTime
        config.connection.keepalive = .init(
            time: .seconds(60), timeout: .seconds(20),
            clientBehavior: .init(minPingIntervalWithoutCalls: .seconds(10), allowWithoutCalls: true))
        config.channelDebuggingCallbacks.onAcceptTCPConnection = { channel in
            // Called once the pipeline (TLS first) is in place, before anything is read from the peer.
            channel.eventLoop.makeCompletedFuture {
                let sync = channel.pipeline.syncOperations
                let tls = try sync.context(handlerType: NIOSSLServerHandler.self)
                try sync.addHandler(TLSHandshakeDeadline(timeout: handshakeTimeout, logger: logger), position: .after(tls.handler))
            }
        }
    }
}
