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

    /// Whether every UTF-8 byte passes `test` (true for the empty string).
    @inlinable
    public func allUTF8Bytes(_ test: (UInt8) -> Bool) -> Bool {
        !containsUTF8Byte { !test($0) }
    }
}
