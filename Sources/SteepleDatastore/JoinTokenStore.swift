#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// Stores single-use join tokens (ANCHORS §1.10). Messages never quote a token: it is a secret.
package protocol JoinTokenStore: Sendable {
    /// Creates a token.
    ///
    /// - Throws: ``DatastoreError/Code/alreadyExists``; ``DatastoreError/Code/invalidArgument`` when the token is
    ///   empty, longer than 255 bytes, or not printable ASCII.
    func createJoinToken(_ token: JoinToken) async throws(DatastoreError) -> Committed<JoinToken>

    /// Fetches a token, or `nil` when there is none.
    func fetchJoinToken(_ token: String) async throws(DatastoreError) -> JoinToken?

    /// Deletes a token and returns it, atomically: of two concurrent calls with the same token, exactly one
    /// gets it. Node attestation calls this before checking expiry, so a token is never used twice.
    ///
    /// - Throws: ``DatastoreError/Code/notFound`` when there is no such token (never issued, or used).
    func consumeJoinToken(_ token: String) async throws(DatastoreError) -> Committed<JoinToken>

    /// Deletes a token.
    ///
    /// - Throws: ``DatastoreError/Code/notFound``.
    func deleteJoinToken(_ token: String) async throws(DatastoreError) -> Committed<JoinToken>

    /// Counts the stored tokens.
    func countJoinTokens() async throws(DatastoreError) -> Int

    /// Deletes every token that expired before `date`.
    ///
    /// - Returns: how many tokens were deleted.
    func pruneJoinTokens(expiredBefore date: Date) async throws(DatastoreError) -> Int
}
