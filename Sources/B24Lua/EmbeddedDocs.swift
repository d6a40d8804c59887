// The help texts (`Resources/doc.lua`) as the binary carries them, for `b24lua doc` and the
// REPL's `help()`. SwiftPM's generated accessor is internal; this is the module's public door.

public enum EmbeddedDocs {
    /// The source of `doc.lua`: a chunk returning a table name -> help text.
    public static var luaSource: [UInt8] { PackageResources.doc_lua }

    /// The chunk name errors and tracebacks show for it.
    public static let chunkName = "=doc.lua"

    /// `emit.lua`: doc.lua's texts and types as a LuaLS definition file or a luacheck
    /// configuration (`b24lua doc --emit`).
    public static var emitSource: [UInt8] { PackageResources.emit_lua }
    public static let emitChunkName = "=emit.lua"
}
