/// The fields of one audit line, in order, under SPIRE's names (`spiffe_id`, `parent_id`, `selectors`, `entry_id`, …).
typealias AuditFields = [(String, String)]

/// A request whose audit lines carry its fields: one field set per line. A batch request gives one set per element
/// (SPIRE writes one line per element of a batch, each with the element's own status); any other request gives one.
protocol AuditedRequest: Sendable {
    var auditFields: [AuditFields] { get }
}

/// A batch response: each element's status, in request order, for the per-element audit lines.
protocol AuditedBatchResponse: Sendable {
    var auditStatuses: [(code: Int32, message: String)] { get }
}
