/// Every aggregate's store in one: what the server is given. ``InMemoryDatastore``, the SQLite store and the
/// PostgreSQL store conform.
package typealias Datastore = RegistrationEntryStore & AttestedNodeStore & JoinTokenStore & BundleStore
    & CAJournalStore & ChangeLogStore & FederationRelationshipStore
