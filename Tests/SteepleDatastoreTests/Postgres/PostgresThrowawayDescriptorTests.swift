import Foundation
import SteepleTestSupport
import Testing

/// `scripts/postgres-throwaway` starts a server that outlives it. Whatever descriptor the calling test process holds
/// without close-on-exec when it forks the script (a pipe another test has just made for a child, the socket by which
/// Foundation learns of a child's exit) must not live on in that server: the reader of such a pipe would never see end
/// of file, and a test run once hung until CI's limit that way.
@Suite("scripts/postgres-throwaway keeps none of its caller's descriptors")
struct PostgresThrowawayDescriptorTests {
    @Test("a pipe open in the test process while the script starts and restarts a server reaches end of file as soon as the test closes its end")
    func pipeReachesEndOfFile() async throws {
        try await PostgresTestServer.withDedicatedServer { _, restart in
            // Made before the restart, without close-on-exec, as Foundation's Pipe is.
            var ends: [Int32] = [0, 0]
            try #require(pipe(&ends) == 0)
            let (reader, writer) = (ends[0], ends[1])
            defer { close(reader) }
            try await restart()
            close(writer)

            _ = fcntl(reader, F_SETFL, fcntl(reader, F_GETFL) | O_NONBLOCK)
            var byte: UInt8 = 0
            let result = read(reader, &byte, 1)
            let error = errno
            // 0 is end of file. -1 with EAGAIN means a writer is still open somewhere: the restarted server's.
            #expect(result == 0, "read returned \(result) (errno \(error)): the restarted PostgreSQL server holds the pipe's write end")
        }
    }
}
