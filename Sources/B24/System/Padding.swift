extension StringProtocol {
    /// Exactly `width` characters: spaces added at the end, or cut there, as Foundation's
    /// `padding(toLength:withPad:startingAt:)` (docs/performance.md, "Size").
    public func paddedRight(to width: Int) -> String {
        count >= width ? String(prefix(width)) : String(self) + String(repeating: " ", count: width - count)
    }
}
