package import SPIFFE

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Told the key and the error of each stored record a list or index read skipped because it does not decode.
package typealias UnreadableRecordHandler = @Sendable (_ key: String, _ error: DatastoreError) -> Void

/// Turning the values a persistent store (SQLite, PostgreSQL) read back into model values. A value that no longer
/// parses is reported as `corruptRecord`, naming the record and the column.
package enum StoredValues {
    package static func corrupt(_ message: String, _ cause: (any Error)? = nil) -> DatastoreError {
        DatastoreError(code: .corruptRecord, message: "stored record is corrupt: \(message)", cause: cause as? (any Error & Sendable))
    }

    package static func spiffeID(_ string: String, _ column: String, of key: @autoclosure () -> String) throws(DatastoreError) -> SPIFFEID {
        do {
            return try SPIFFEID(string)
        } catch {
            throw corrupt("\(column) of \(key()) is not a valid SPIFFE ID: \(string)", error)
        }
    }

    package static func trustDomain(_ string: String, of what: @autoclosure () -> String) throws(DatastoreError) -> TrustDomain {
        do {
            return try TrustDomain(string)
        } catch {
            throw corrupt("a trust domain of \(what()) is not valid: \(string)", error)
        }
    }

    package static func selector(type: String, value: String, of key: @autoclosure () -> String) throws(DatastoreError) -> Selector {
        do {
            return try Selector(type: type, value: value)
        } catch {
            throw corrupt("a selector of \(key()) is not valid: \(type):\(value)", error)
        }
    }

    /// A stored Unix time, which must lie within the years 1970 to 9999 (``UnixTime``).
    package static func time(_ seconds: Int64, _ column: String, of key: @autoclosure () -> String) throws(DatastoreError) -> Date {
        do {
            return try UnixTime(seconds: seconds, field: "\(column) of \(key())").date
        } catch {
            throw corrupt(error.message, error)
        }
    }

    /// A stored SVID TTL, which must be 0 to `Int32.max` seconds.
    package static func ttl(_ seconds: Int64, _ column: String, of key: @autoclosure () -> String) throws(DatastoreError) -> Int {
        guard (0...Int64(Int32.max)).contains(seconds) else {
            throw corrupt("\(column) of \(key()) is \(seconds): expected 0 to \(Int32.max) seconds")
        }
        return Int(seconds)
    }

    /// The profile columns of a federation relationship: its name and, for https_spiffe, the endpoint's ID.
    package static func profileColumns(_ profile: BundleEndpointProfile) -> (name: String, endpointSPIFFEID: String?) {
        switch profile {
        case .httpsWeb: (profile.name, nil)
        case .httpsSPIFFE(let id): (profile.name, id.description)
        }
    }

    /// A federation relationship from its stored columns.
    package static func federationRelationship(
        trustDomain name: String,
        url: String,
        profileName: String,
        endpointSPIFFEID: String?
    ) throws(DatastoreError) -> FederationRelationship {
        let trustDomain = try trustDomain(name, of: "a federation relationship")
        let profile: BundleEndpointProfile
        switch (profileName, endpointSPIFFEID) {
        case ("https_web", _):
            profile = .httpsWeb
        case ("https_spiffe", let id?):
            profile = .httpsSPIFFE(endpointSPIFFEID: try spiffeID(id, "endpoint SPIFFE ID", of: name))
        default:
            throw corrupt(
                "federation relationship with \(name) has an unknown bundle endpoint profile \"\(profileName)\""
                    + " (or https_spiffe without an endpoint SPIFFE ID)"
            )
        }
        return FederationRelationship(trustDomain: trustDomain, bundleEndpointURL: url, profile: profile)
    }
}

extension Page {
    /// Cuts a list fetched with `size + 1` items into a page (all of it when `pagination` is `nil`).
    package static func cut(_ items: [Item], _ pagination: Pagination?, key: (Item) -> String) -> Page<Item> {
        guard let pagination, items.count > pagination.size else {
            return Page(items: items, nextToken: nil)
        }
        let page = Array(items.prefix(pagination.size))
        return Page(items: page, nextToken: page.last.map(key))
    }

    /// Cuts a page out of `rowKeys.count` rows read with `size + 1`, of which `items` decoded: paged by the rows
    /// read, so that a skipped (unreadable) row never ends the listing early.
    package static func cut(_ items: [Item], rowKeys: [String], _ pagination: Pagination?, key: (Item) -> String) -> Page<Item> {
        guard let pagination, rowKeys.count > pagination.size else {
            return Page(items: items, nextToken: nil)
        }
        let inPage = Set(rowKeys.prefix(pagination.size))
        return Page(items: items.filter { inPage.contains(key($0)) }, nextToken: rowKeys[pagination.size - 1])
    }
}
