/// Path arithmetic on strings, without Foundation's `NSString` (docs/performance.md, "Size").
public enum FilePaths {
    /// The directory that holds `path`: "/a/b" -> "/a", "/b" -> "/", "b" -> "." (the current
    /// directory, where a bare name is found). Trailing slashes are ignored.
    public static func directory(of path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        var dir = p[..<slash]
        while dir.count > 1 && dir.hasSuffix("/") { dir = dir.dropLast() }
        return dir.isEmpty ? "/" : String(dir)
    }
}
