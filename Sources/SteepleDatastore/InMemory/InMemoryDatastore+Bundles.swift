package import SPIFFE

extension InMemoryDatastore: BundleStore {
    package func createBundle(_ bundle: BundleRecord) throws(DatastoreError) -> Committed<BundleRecord> {
        let key = bundle.trustDomain.name
        guard bundles[key] == nil else {
            throw .alreadyExists("bundle of trust domain", key)
        }
        bundles[key] = bundle
        return Committed(value: bundle, seq: appendEvent(.bundleCreated, key))
    }

    package func updateBundle(_ bundle: BundleRecord) throws(DatastoreError) -> Committed<BundleRecord> {
        let key = bundle.trustDomain.name
        guard bundles[key] != nil else {
            throw .notFound("bundle of trust domain", key)
        }
        bundles[key] = bundle
        return Committed(value: bundle, seq: appendEvent(.bundleUpdated, key))
    }

    package func setBundle(_ bundle: BundleRecord) -> Committed<BundleRecord> {
        let key = bundle.trustDomain.name
        let kind: ChangeEvent.Kind = bundles[key] == nil ? .bundleCreated : .bundleUpdated
        bundles[key] = bundle
        return Committed(value: bundle, seq: appendEvent(kind, key))
    }

    package func reviseBundle(
        trustDomain: TrustDomain, _ revise: @escaping @Sendable (BundleRecord?) -> BundleRecord?
    ) -> Committed<BundleRecord>? {
        guard let revised = revise(bundles[trustDomain.name]) else { return nil }
        return setBundle(revised)
    }

    package func fetchBundle(trustDomain: TrustDomain) -> BundleRecord? {
        bundles[trustDomain.name]
    }

    package func listBundles(pagination: Pagination?) throws(DatastoreError) -> Page<BundleRecord> {
        let keys = bundles.keys.sorted(by: datastoreKeyPrecedes)
        return try Pagination.page(pagination, sortedKeys: keys) { bundles[$0] }
    }

    package func countBundles() -> Int {
        bundles.count
    }

    package func deleteBundle(trustDomain: TrustDomain) throws(DatastoreError) -> Committed<BundleRecord> {
        let key = trustDomain.name
        guard let bundle = bundles[key] else {
            throw .notFound("bundle of trust domain", key)
        }
        let federating = entries.values.reduce(0) { $0 + ($1.federatesWith.contains(trustDomain) ? 1 : 0) }
        guard federating == 0 else {
            throw .bundleInUse(key, entryCount: federating)
        }
        bundles[key] = nil
        return Committed(value: bundle, seq: appendEvent(.bundleDeleted, key))
    }
}
