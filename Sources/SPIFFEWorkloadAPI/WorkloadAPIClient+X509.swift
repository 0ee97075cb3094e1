public import SPIFFE

extension WorkloadAPIClient {
    /// This workload's X509-SVIDs and the X.509 bundles to authenticate peers with (`FetchX509SVID`).
    ///
    /// Answered from this client's shared `FetchX509SVID` stream: the first call opens it and waits for the first
    /// message; later calls return its latest message at once (see "Fetches reuse one stream per kind" on
    /// ``WorkloadAPIClient``).
    ///
    /// - Throws: ``WorkloadAPIError`` with code ``WorkloadAPIError/Code/permissionDenied`` (no identity issued),
    ///   ``WorkloadAPIError/Code/unavailable``, ``WorkloadAPIError/Code/malformedResponse`` (no SVID, or an SVID or
    ///   bundle that breaks the SPIFFE rules), ``WorkloadAPIError/Code/cancelled``,
    ///   ``WorkloadAPIError/Code/clientClosed`` or another status code.
    public func fetchX509Context() async throws(WorkloadAPIError) -> X509Context {
        try await sharedX509Contexts.latest()
    }

    /// This workload's X509-SVIDs, the default first, each with its hint (`FetchX509SVID`).
    ///
    /// - Throws: as ``fetchX509Context()``.
    public func fetchX509SVIDs() async throws(WorkloadAPIError) -> [X509SVID] {
        try await fetchX509Context().svids
    }

    /// This workload's default X509-SVID: the first the server sends (Workload API §5.2.1).
    ///
    /// - Throws: as ``fetchX509Context()``.
    public func fetchX509SVID() async throws(WorkloadAPIError) -> X509SVID {
        try await fetchX509Context().defaultSVID
    }

    /// Watches `FetchX509SVID`: an element per server update, the first as soon as the server answers.
    ///
    /// The stream stays open while the sequence is iterated; see ``WorkloadAPIWatch`` for how it ends.
    public func watchX509Context() -> WorkloadAPIWatch<X509Context> {
        watch(WorkloadAPIRPC.x509Context(stub))
    }

    /// The X.509 bundles of the own and federated trust domains (`FetchX509Bundles`), from this client's shared
    /// `FetchX509Bundles` stream.
    ///
    /// - Throws: as ``fetchX509Context()``; ``WorkloadAPIError/Code/malformedResponse`` also for an empty map.
    public func fetchX509Bundles() async throws(WorkloadAPIError) -> X509BundleSet {
        try await sharedX509Bundles.latest()
    }

    /// Watches `FetchX509Bundles`; see ``WorkloadAPIWatch``.
    public func watchX509Bundles() -> WorkloadAPIWatch<X509BundleSet> {
        watch(WorkloadAPIRPC.x509Bundles(stub))
    }
}
