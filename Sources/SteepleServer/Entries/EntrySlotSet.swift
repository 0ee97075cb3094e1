import SteepleSupport

/// The entries (their ``EntryTable`` slots) under one key of ``EntryGraph``'s indexes. Under a SPIFFE ID there is
/// almost always exactly one entry (under a parent there are usually many), so one slot is kept inline.
typealias EntrySlotSet = InlineSet<EntrySlot>
