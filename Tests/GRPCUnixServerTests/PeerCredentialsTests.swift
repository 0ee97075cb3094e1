import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCUnixServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("UnixServerTransport peer credentials")
struct PeerCredentialsTests {
    @Test("every RPC sees the caller's SO_PEERCRED, SO_PEERGROUPS and a live pidfd")
    func ownCredentials() async throws {
        try await withEchoServer { client, recorder, _ in
            _ = try await client.echo([1])
            let call = try #require(recorder.calls.first)
            let peer = try #require(call.peer)
            #expect(peer.credentials.pid == getpid())
            #expect(peer.credentials.uid == getuid())
            #expect(peer.credentials.gid == getgid())
            #expect(peer.credentials.supplementaryGroups == Self.currentGroups())
            #expect(call.remotePeer == "unix:pid=\(getpid()),uid=\(getuid()),gid=\(getgid())")
            let process = try #require(peer.process)
            #expect(process.pid == getpid())
            #expect(process.isAlive())
        }
    }

    @Test("a client running as another user (setpriv) is seen with its uid/gid; killing it cancels its stream")
    func otherUserKilledClient() async throws {
        let asRoot = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        let launcher = asRoot ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        try await withEchoServer { _, recorder, transport in
            let client = try await RawHTTP2Client.start(socketPath: transport.configuration.socketPath, launcher: launcher)
            defer { RawHTTP2Client.kill(client) }
            let call = try #require(recorder.calls.first)
            let peer = try #require(call.peer)
            #expect(Array(call.metadata[stringValues: "x-client"]) == ["raw"])
            if asRoot {
                #expect(peer.credentials.uid == 65534)
                #expect(peer.credentials.gid == 65534)
                #expect(peer.credentials.supplementaryGroups == [])
            } else {
                #expect(peer.credentials.uid == getuid())
            }
            #expect(peer.credentials.pid != getpid())
            let process = try #require(peer.process)
            #expect(process.isAlive())
            #expect(recorder.cancelled == 0)

            RawHTTP2Client.kill(client)
            #expect(await recorder.wait { $0.cancelled == 1 })
            #expect(!process.isAlive())
        }
    }

    @Test("a client killed mid-request fails the handler's request stream instead of ending it")
    func killedMidRequest() async throws {
        try await withEchoServer { _, recorder, transport in
            let client = try await RawHTTP2Client.start(socketPath: transport.configuration.socketPath, method: "/test.Echo/Collect")
            defer { RawHTTP2Client.kill(client) }
            #expect(await recorder.wait { $0.calls.count == 1 })
            RawHTTP2Client.kill(client)
            #expect(await recorder.wait { !$0.inboundOutcomes.isEmpty })
            #expect(recorder.inboundOutcomes == ["threw cancelled"])
        }
    }

    static func currentGroups() -> [UInt32] {
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(count, 0)))
        let written = getgroups(count, &groups)
        return Array(Set(groups.prefix(Int(max(written, 0))))).sorted()
    }
}
