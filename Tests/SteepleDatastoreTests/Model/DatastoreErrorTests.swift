import SteepleDatastore
import Testing

@Suite("DatastoreError")
struct DatastoreErrorTests {
    @Test("codes have stable descriptions")
    func stableDescriptions() {
        let codes: [DatastoreError.Code] = [
            .notFound, .alreadyExists, .invalidArgument, .conflict, .corruptRecord, .storage, .migration,
        ]
        #expect(
            codes.map(\.description) == [
                "notFound", "alreadyExists", "invalidArgument", "conflict", "corruptRecord", "storage", "migration",
            ]
        )
    }

    @Test("equality considers only the code")
    func equality() {
        #expect(DatastoreError(code: .notFound, message: "a") == DatastoreError(code: .notFound, message: "b"))
        #expect(DatastoreError(code: .notFound, message: "a") != DatastoreError(code: .conflict, message: "a"))
    }
}
