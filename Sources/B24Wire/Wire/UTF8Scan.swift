// Byte tests over a string's UTF-8. A native string's bytes are contiguous, and a loop over
// that buffer costs a few instructions a byte where `String.UTF8View`'s iterator costs about 30
// (docs/performance.md): these run on every method name of every call.

extension String {
    /// Whether some UTF-8 byte passes `test`.
    @inlinable
    public func containsUTF8Byte(where test: (UInt8) -> Bool) -> Bool {
        if let found = utf8.withContiguousStorageIfAvailable({ $0.contains(where: test) }) { return found }
        return utf8.contains(where: test)
    }

    /// Whether the UTF-8 ends in `suffix`'s bytes. Not `hasSuffix`, which compares Characters:
    /// a byte test may say yes where a prepended character joins the suffix's first one, so use
    /// it where a yes is checked again.
    @inlinable
    public func hasUTF8Suffix(_ suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        let tail = { (b: UnsafeBufferPointer<UInt8>) -> Bool in
            guard b.count >= n else { return false }
            for i in 0..<n where b[b.count - n + i] != suffix.utf8Start[i] { return false }
            return true
        }
        if let found = utf8.withContiguousStorageIfAvailable(tail) { return found }
        return Array(utf8).withUnsafeBufferPointer(tail)
    }

    /// Whether every UTF-8 byte passes `test` (true for the empty string).
    @inlinable
    public func allUTF8Bytes(_ test: (UInt8) -> Bool) -> Bool {
        !containsUTF8Byte { !test($0) }
    }
}
