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
            channel.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) {
                guard channel.isActive else { return }
                channel.nioSSL_peerCertificate().whenComplete { result in
                    if case .success(.some) = result { return }
                    logger.warning("closing an agent API connection that did not complete its TLS handshake in time", metadata: [
                        "peer": "\(channel.remoteAddress.map { "\($0)" } ?? "unknown")", "timeout": "\(handshakeTimeout)",
                    ])
                    channel.close(promise: nil)
                }
            }
            return channel.eventLoop.makeSucceededVoidFuture()
        }
    }
}
