/// Every aggregate's store in one: what the server is given. ``InMemoryDatastore`` and the SQLite store
/// conform; a PostgreSQL store would too.
package typealias Datastore = RegistrationEntryStore & AttestedNodeStore & JoinTokenStore & BundleStore
    & CAJournalStore & ChangeLogStore & FederationRelationshipStore
