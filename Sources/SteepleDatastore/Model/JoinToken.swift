#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A single-use join token an operator hands to an agent (ANCHORS §1.10). Its key is ``token``.
package struct JoinToken: Sendable {
    /// The secret token value; 1 to 255 bytes.
    package var token: String
    /// When the token stops being accepted; whole seconds in the stores.
    package var expiresAt: Date

    /// Creates a join token.
    package init(token: String, expiresAt: Date) {
        self.token = token
        self.expiresAt = expiresAt
    }
}

extension JoinToken: Hashable {}
