import SteepleServerClient
import GRPCCore
import GRPCProtobuf
import SPIFFE
import SteepleAgent
import SteepleServerAPIProto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One agent of the scale benchmark, in-process: attests with a join token (`NodeAttestationClient`, throwaway
/// certificate), opens one TLS connection presenting its new SVID (`ServerConnection`), counts `SyncEntries`
/// entries (decoding the first 32 of each message, `CountingSyncDeserializer`) until the snapshot is complete and, as soon as the first page names its entries, signs one
/// `BatchSignX509SVID` of `csrs.count` CSRs on the same connection. Then it holds the stream open, as a real
/// agent does, until its task is cancelled.
struct SimulatedAgent {
    struct Outcome: Sendable {
        /// From the common start of all agents.
        var attestedAfter: Duration
        var syncedAfter: Duration
        /// From opening `SyncEntries` to `snapshot_complete`.
        var syncDuration: Duration
        var entries: Int
        var signLatency: Duration?
        var signedSVIDs: Int
        var signError: String?
        /// Connections retried after `unavailable` (attestation and sync).
        var connectRetries: Int
    }

    let connection: ServerConnection
    let joinToken: String
    /// Prepared CSRs (the server takes only the key from them, so agents may share them).
    let csrs: [Data]

    /// Runs until the snapshot is complete, reports, then holds the stream until cancelled.
    func run(start: ContinuousClock.Instant, report: @escaping @Sendable (Outcome) -> Void) async throws {
        let clock = ContinuousClock()
        let attestation = NodeAttestationClient(connection: connection, attestor: .joinToken, joinToken: joinToken)
        let (attested, attestRetries) = try await Self.retryingUnavailable { _ in try await attestation.attest(trust: .insecure) }
        let attestedAfter = clock.now - start
        _ = try await Self.retryingUnavailable { syncRetries in
            try await sync(
                identity: attested.0, bundle: attested.1, start: start, attestedAfter: attestedAfter,
                retries: attestRetries + syncRetries, report: report)
        }
    }

    private func sync(
        identity: AgentIdentity, bundle: SPIFFEBundle, start: ContinuousClock.Instant, attestedAfter: Duration, retries: Int,
        report: @escaping @Sendable (Outcome) -> Void
    ) async throws {
        let clock = ContinuousClock()
        let csrs = self.csrs
        try await connection.withClient(identity: identity, trust: .bundle(bundle)) { client in
            let (firstPage, firstPageSink) = AsyncStream<[String]>.makeStream()
            try await withThrowingTaskGroup(of: Void.self) { group in
                let signing = Task<(Duration?, Int, String?), Never> {
                    var ids: [String] = []
                    for await page in firstPage { ids = page; break }
                    guard !ids.isEmpty else { return (nil, 0, "no entries to sign for") }
                    var request = Steeple_Server_V1_BatchSignX509SVIDRequest()
                    request.params = zip(ids.prefix(csrs.count), csrs).map { id, csr in
                        var params = Steeple_Server_V1_BatchSignX509SVIDRequest.Params()
                        params.entryID = id
                        params.csr = csr
                        return params
                    }
                    let sent = clock.now
                    do {
                        let response = try await client.batchSignX509SVID(request: ClientRequest(message: request)) { try $0.message }
                        let latency = clock.now - sent
                        let failures = response.results.filter { $0.status.code != 0 }
                        return (latency, response.results.count - failures.count, failures.first.map { $0.status.message })
                    } catch {
                        return (nil, 0, "\(error)")
                    }
                }
                group.addTask {
                    let opened = clock.now
                    // Entries past the first 32 of a message are counted, not decoded (CountingSyncDeserializer):
                    // these agents share the server's two cores.
                    try await client.syncEntries(
                        request: ClientRequest(message: Steeple_Server_V1_SyncEntriesRequest()),
                        serializer: ProtobufSerializer<Steeple_Server_V1_SyncEntriesRequest>(),
                        deserializer: CountingSyncDeserializer(decoded: 32)
                    ) { response in
                        var entries = 0
                        var first = true
                        var messages = response.messages.makeAsyncIterator()
                        while let message = try await messages.next() {
                            entries += message.upserted.count
                            if first {
                                first = false
                                // Sign for workload entries, not the entry of the agent's join token (`-spiffeID`).
                                firstPageSink.yield(message.upserted.filter { $0.spiffeID.contains("/workload/") }.map(\.id))
                                firstPageSink.finish()
                            }
                            guard message.snapshotComplete else { continue }
                            let synced = clock.now
                            let (latency, signed, signError) = await signing.value
                            report(Outcome(
                                attestedAfter: attestedAfter, syncedAfter: synced - start, syncDuration: synced - opened,
                                entries: entries, signLatency: latency, signedSVIDs: signed, signError: signError,
                                connectRetries: retries))
                            // Hold the stream (and so the server's subscription) until the benchmark ends.
                            while try await messages.next() != nil {}
                            return
                        }
                        firstPageSink.finish()
                        throw SimulatedAgentError(message: "SyncEntries ended before snapshot_complete (\(entries) entries)")
                    }
                }
                try await group.waitForAll()
                signing.cancel()
            }
        }
    }

    /// As a real agent reconnects with back-off: retries `body` while it fails with `unavailable` (a connect
    /// timeout when a thousand TLS handshakes queue up), at most 8 times, 0.5 s × 2ⁿ apart (≤ 8 s).
    /// `body` gets the number of retries so far; returns its result and that number.
    private static func retryingUnavailable<T>(_ body: (Int) async throws -> T) async throws -> (T, Int) {
        var attempt = 0
        while true {
            do {
                return (try await body(attempt), attempt)
            } catch let error as RPCError where error.code == .unavailable && attempt < 8 {
                try await Task.sleep(for: .milliseconds(500 << min(attempt, 4)))
                attempt += 1
            }
        }
    }
}

struct SimulatedAgentError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
