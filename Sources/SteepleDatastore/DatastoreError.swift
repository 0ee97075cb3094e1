/// An error thrown by a datastore (``InMemoryDatastore``, the SQLite store, or any later implementation).
///
/// Check ``code`` to handle a specific failure; ``message`` is for humans and may change between releases.
/// Equality and hashing consider only ``code``.
package struct DatastoreError: Error, Sendable, CustomStringConvertible {
    /// The stable, machine-readable kind of failure.
    package var code: Code
    /// A lowercase, human-readable explanation that names what was wrong.
    package var message: String
    /// The underlying error, when one caused this failure (an SQLite error, a parse error of a stored value).
    package var cause: (any Error & Sendable)?
    /// The source file that threw the error.
    package var file: String
    /// The source line that threw the error.
    package var line: Int

    /// Creates an error.
    package init(
        code: Code,
        message: String,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.file = file
        self.line = line
    }

    package var description: String {
        if let cause {
            return "\(code): \(message) (caused by: \(cause))"
        }
        return "\(code): \(message)"
    }
}

extension DatastoreError: Hashable {
    package static func == (lhs: DatastoreError, rhs: DatastoreError) -> Bool {
        lhs.code == rhs.code
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(code)
    }
}

extension DatastoreError {
    /// A stable error code. Its ``description`` is part of the contract (logs, API status mapping, docs):
    /// codes are never renamed or reused.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Sendable {
            case notFound
            case alreadyExists
            case invalidArgument
            case conflict
            case corruptRecord
            case storage
            case migration
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) {
            self.wrapped = wrapped
        }

        package var description: String { wrapped.rawValue }

        /// No record has the given key (entry ID, node SPIFFE ID, join token, trust domain, journal ID).
        package static let notFound = Code(.notFound)
        /// A record with the same key already exists; for entries, also an entry with the same parent ID,
        /// SPIFFE ID and selector set. The message names the existing record.
        package static let alreadyExists = Code(.alreadyExists)
        /// An argument is out of its allowed range: an empty selector set, a negative TTL, a page size of 0…
        package static let invalidArgument = Code(.invalidArgument)
        /// An optimistic check failed: the stored revision or version is not the one the caller expected.
        package static let conflict = Code(.conflict)
        /// A stored value cannot be read back as a valid record (e.g. a SPIFFE ID column that no longer parses).
        package static let corruptRecord = Code(.corruptRecord)
        /// The storage engine failed: the file cannot be opened, the disk is full, the database is locked.
        package static let storage = Code(.storage)
        /// The schema could not be migrated, or the database was written by a newer schema than this build knows.
        package static let migration = Code(.migration)
    }
}

extension DatastoreError {
    /// `notFound` naming the kind of record and its key.
    package static func notFound(_ kind: String, _ key: String, file: String = #fileID, line: Int = #line) -> Self {
        DatastoreError(code: .notFound, message: "\(kind) \"\(key)\" not found", file: file, line: line)
    }

    /// `invalidArgument` with the given message.
    package static func invalidArgument(_ message: String, file: String = #fileID, line: Int = #line) -> Self {
        DatastoreError(code: .invalidArgument, message: message, file: file, line: line)
    }
}
