/// "Did you mean …?": the known names near a misspelt one, for every message that refuses a
/// name (`b24lua doc`, a `b24.` function, a snippet, a config key or value). One rule for all:
/// a name that contains the other (in any case, three letters at least), or one slip away from
/// it (a letter left out, added, changed, or two swapped).
public enum NearNames {
    public static func suggestions(for name: String, among candidates: some Sequence<String>, limit: Int = 5) -> [String] {
        let needle = Array(name.lowercased())
        guard needle.count >= 3 else { return [] }
        let sorted = candidates.sorted()
        let near = sorted.filter { candidate in
            let known = Array(candidate.lowercased())
            guard known != needle else { return false }
            return known.holds(needle) || needle.holds(known) || oneSlip(needle, known)
        }
        return Array(near.prefix(limit))
    }

    /// `, did you mean a, b?` or the empty string.
    public static func hint(for name: String, among candidates: some Sequence<String>) -> String {
        let near = suggestions(for: name, among: candidates)
        return near.isEmpty ? "" : "; did you mean " + near.joined(separator: ", ") + "?"
    }

    static func oneSlip(_ a: [Character], _ b: [Character]) -> Bool {
        if a.count == b.count {
            let diffs = a.indices.filter { a[$0] != b[$0] }
            if diffs.count == 1 { return true }
            return diffs.count == 2 && diffs[1] == diffs[0] + 1 && a[diffs[0]] == b[diffs[1]] && a[diffs[1]] == b[diffs[0]]
        }
        let (short, long) = a.count < b.count ? (a, b) : (b, a)
        guard long.count == short.count + 1 else { return false }
        var i = 0
        while i < short.count, short[i] == long[i] { i += 1 }
        return short[i...].elementsEqual(long[(i + 1)...])
    }
}

extension Array where Element == Character {
    fileprivate func holds(_ other: [Character]) -> Bool {
        guard other.count <= count else { return false }
        if other.isEmpty { return true }
        for start in 0...(count - other.count) where self[start..<start + other.count].elementsEqual(other) { return true }
        return false
    }
}
