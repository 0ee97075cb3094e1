/// A hash index of slots: numbers into storage its owner keeps (an array of records), found by the hash of a key the
/// records hold. It stores five bytes a bucket (the slot and a byte of its hash) and nothing of the key: lookups hand it the key's hash and a test of
/// whether a slot's record has that key, and growing or removing hands it a way to rehash a stored slot.
///
/// For a million records a `[String: Int]` from key to slot costs 2²¹ buckets of 24 bytes (50 MB, half of them empty
/// after its last doubling); this table costs 2²¹ buckets of 4 (8 MB), and a byte a bucket of the hash's top bits (2
/// MB), compared before the caller's key test so that a probe past another key's slot rarely reads that slot's record
/// (without it, the probe loops, their key tests and the string comparisons were up to 18 % of the samples in a
/// profile of a million-entry load). Open addressing with linear probing, at most half full, and backward-shift
/// deletion (no tombstones, so lookups stay short after many removals). Several slots may share a hash; the caller's
/// key test tells them apart. One slot per key: a key with many records (entries that share a SPIFFE ID) keeps one
/// here and links the others (``SlotChains``), since many slots under one key would make one long run of buckets.
struct SlotHashTable: Sendable {
    /// `slot + 1` in each used bucket; 0 marks an empty one.
    private var buckets: [UInt32] = []
    /// The top byte of the hash of each used bucket's slot (``tag(_:)``).
    private var tags: [UInt8] = []
    /// The number of slots stored.
    private(set) var count = 0

    init() {}

    /// The largest slot a table can store.
    static let maximumSlot = Int(UInt32.max) - 1

    /// The byte of `hash` kept beside its slot: the top one (the bottom ones choose the bucket).
    private static func tag(_ hash: Int) -> UInt8 { UInt8(truncatingIfNeeded: hash >> 56) }

    /// Makes room for `count` slots without growing; `hashOf` rehashes the slots already stored.
    mutating func reserveCapacity(_ count: Int, hashOf: (Int) -> Int) {
        let needed = Self.capacity(for: count)
        if needed > buckets.count { rehash(to: needed, hashOf: hashOf) }
    }

    /// The first slot whose record `matches`, among those stored under `hash`.
    func first(hash: Int, where matches: (Int) -> Bool) -> Int? {
        guard !buckets.isEmpty else { return nil }
        let mask = buckets.count - 1, tag = Self.tag(hash)
        var index = hash & mask
        while buckets[index] != 0 {
            if tags[index] == tag {
                let slot = Int(buckets[index]) - 1
                if matches(slot) { return slot }
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Stores `slot` under `hash`. The caller makes sure it is not stored already.
    mutating func insert(_ slot: Int, hash: Int, hashOf: (Int) -> Int) {
        precondition(slot >= 0 && slot <= Self.maximumSlot, "slot \(slot) out of range 0...\(Self.maximumSlot)")
        if 2 * (count + 1) > buckets.count { rehash(to: Self.capacity(for: count + 1), hashOf: hashOf) }
        place(slot, hash: hash)
        count += 1
    }

    /// Puts `replacement` where `slot`, stored under `hash`, was (a record with the same key took over); returns whether
    /// `slot` was there.
    @discardableResult
    mutating func replace(_ slot: Int, with replacement: Int, hash: Int) -> Bool {
        precondition(replacement >= 0 && replacement <= Self.maximumSlot, "slot \(replacement) out of range 0...\(Self.maximumSlot)")
        guard !buckets.isEmpty else { return false }
        let mask = buckets.count - 1
        var index = hash & mask
        while buckets[index] != 0 {
            if buckets[index] == UInt32(slot + 1) {
                buckets[index] = UInt32(replacement + 1)
                return true
            }
            index = (index + 1) & mask
        }
        return false
    }

    /// Removes `slot`, stored under `hash`; returns whether it was there. `hashOf` rehashes each slot after the gap in
    /// its run, to see whether it moves back (never `slot` itself, which may no longer have a record).
    @discardableResult
    mutating func remove(_ slot: Int, hash: Int, hashOf: (Int) -> Int) -> Bool {
        guard !buckets.isEmpty else { return false }
        let mask = buckets.count - 1
        let stored = UInt32(slot + 1)
        var gap = hash & mask
        while buckets[gap] != stored {
            if buckets[gap] == 0 { return false }
            gap = (gap + 1) & mask
        }
        // Backward shift: each later slot of the run whose home bucket is not between the gap and itself moves back
        // into the gap, so that every slot stays reachable from its home without crossing an empty bucket.
        var next = (gap + 1) & mask
        while buckets[next] != 0 {
            let home = hashOf(Int(buckets[next]) - 1) & mask
            let fromHome = (next - home) & mask
            let fromGap = (next - gap) & mask
            if fromHome >= fromGap {
                buckets[gap] = buckets[next]
                tags[gap] = tags[next]
                gap = next
            }
            next = (next + 1) & mask
        }
        buckets[gap] = 0
        count -= 1
        return true
    }

    /// The bucket count for `count` slots: a power of two, at least twice `count` (at most half full), at least 16.
    private static func capacity(for count: Int) -> Int {
        var capacity = 16
        while capacity < 2 * count { capacity *= 2 }
        return capacity
    }

    private mutating func place(_ slot: Int, hash: Int) {
        let mask = buckets.count - 1
        var index = hash & mask
        while buckets[index] != 0 { index = (index + 1) & mask }
        buckets[index] = UInt32(slot + 1)
        tags[index] = Self.tag(hash)
    }

    private mutating func rehash(to capacity: Int, hashOf: (Int) -> Int) {
        let old = buckets
        buckets = [UInt32](repeating: 0, count: capacity)
        tags = [UInt8](repeating: 0, count: capacity)
        for stored in old where stored != 0 {
            let slot = Int(stored) - 1
            place(slot, hash: hashOf(slot))
        }
    }
}
