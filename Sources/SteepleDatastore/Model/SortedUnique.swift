/// `values` sorted, each once: what `Array(Set(values)).sorted()` gives, without hashing every value into a set
/// (entries are normalized as they are decoded, a million at a load, and nearly all have one selector).
func sortedUnique<Value: Comparable>(_ values: some Sequence<Value>) -> [Value] {
    var sorted = Array(values)
    guard sorted.count > 1 else { return sorted }
    sorted.sort()
    var kept = 1
    for index in 1..<sorted.count where sorted[index] != sorted[kept - 1] {
        sorted[kept] = sorted[index]
        kept += 1
    }
    sorted.removeSubrange(kept...)
    return sorted
}
