/// `values` sorted, each once: `Array(Set(values)).sorted()`, except that none or one value is returned as it is,
/// without hashing it into a set (entries are normalized as they are decoded, a million at a load, and nearly all
/// have one selector). Two or more still go through a set, so that values equal but not byte for byte (Unicode
/// canonical equivalence, which a byte-wise sort need not put side by side) are kept once, as before.
func sortedUnique<Value: Comparable & Hashable>(_ values: some Sequence<Value>) -> [Value] {
    let array = Array(values)
    guard array.count > 1 else { return array }
    return Array(Set(array)).sorted()
}
