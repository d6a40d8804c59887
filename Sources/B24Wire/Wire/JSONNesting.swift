/// How deep nested JSON may go, by who reads it: each limit is written here only, and so is
/// how they relate. Every limit is far below what a thread's stack takes, since the JSON reader
/// recurses once per level.
///
/// - `portalInput` (64): how deep the portal reads a request's parameters, PHP's
///   `max_input_nesting_level` for a form body and the same depth for a JSON body
///   (docs/sandbox-wire.md); the sandbox drops or refuses deeper, as PHP does. A Lua value
///   becomes parameters through a walk at most `LuaNesting.maxDepth` tables deep, with the
///   parameters object as the first level: that limit is the same 64 (LuaHost, below this
///   module, cannot read it from here; a test pins the two equal), so nothing b24lua sends
///   nests deeper than the portal reads.
/// - `answer` (128): a portal's answer. Real answers nest a handful of levels; deeper is a
///   hostile or broken answer (BAD_RESPONSE). Above `portalInput`, with room for the envelope and
///   the levels a `batch` answer adds around each command's result.
/// - `document` (512): every other JSON text (fixtures, journals, snapshots, the config's
///   values): the reader's default, generous for files a person or b24lua wrote.
public enum JSONNesting {
    public static let portalInput = 64
    public static let answer = 128
    public static let document = 512
}
