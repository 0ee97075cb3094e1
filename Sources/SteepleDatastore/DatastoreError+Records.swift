extension DatastoreError {
    /// `alreadyExists` for a record whose key is taken.
    package static func alreadyExists(_ kind: String, _ key: String, file: String = #fileID, line: Int = #line) -> Self
    {
        DatastoreError(code: .alreadyExists, message: "\(kind) \"\(key)\" already exists", file: file, line: line)
    }

    /// `alreadyExists` for an entry with the parent ID, SPIFFE ID and selectors of the existing entry `existingID`.
    package static func duplicateEntry(
        _ entry: RegistrationEntry,
        existingID: String,
        file: String = #fileID,
        line: Int = #line
    ) -> Self {
        DatastoreError(
            code: .alreadyExists,
            message:
                "entry \"\(existingID)\" already has parent ID \(entry.parentID), SPIFFE ID \(entry.spiffeID) and the same selectors",
            file: file,
            line: line
        )
    }

    /// `conflict` for an entry update whose expected revision is not the stored one.
    package static func revisionConflict(
        _ current: RegistrationEntry,
        expected: Int64,
        file: String = #fileID,
        line: Int = #line
    ) -> Self {
        DatastoreError(
            code: .conflict,
            message: "entry \"\(current.id)\" is at revision \(current.revisionNumber), not the expected \(expected)",
            file: file,
            line: line
        )
    }

    /// `conflict` for a CA journal write whose expected version is not the stored one (0: none stored).
    package static func journalVersionConflict(
        id: String,
        stored: UInt64,
        expected: UInt64,
        file: String = #fileID,
        line: Int = #line
    ) -> Self {
        DatastoreError(
            code: .conflict,
            message: "CA journal \"\(id)\" is at version \(stored), not the expected \(expected)",
            file: file,
            line: line
        )
    }

    /// `conflict` for an entry that federates with a trust domain whose bundle the datastore does not hold (SPIRE's
    /// words: `unable to find federated bundle "spiffe://…"`).
    package static func federatedBundleMissing(
        _ trustDomain: String,
        file: String = #fileID,
        line: Int = #line
    ) -> Self {
        DatastoreError(
            code: .conflict,
            message:
                "unable to find federated bundle \"spiffe://\(trustDomain)\": set the bundle of \(trustDomain) first "
                + "(bundle set -id spiffe://\(trustDomain) -path <bundle>), then federate with it",
            file: file,
            line: line
        )
    }

    /// `conflict` for deleting the bundle of a trust domain that entries still federate with.
    package static func bundleInUse(
        _ trustDomain: String,
        entryCount: Int,
        file: String = #fileID,
        line: Int = #line
    ) -> Self {
        DatastoreError(
            code: .conflict,
            message:
                "bundle of \(trustDomain) is federated with by \(entryCount) registration entries: update or delete them first",
            file: file,
            line: line
        )
    }
}
