import B24Lua
#if canImport(Glibc)
import Glibc
#endif
import LuaHost

/// `help(x)` and `:help NAME`: the text of `b24._doc[NAME]`, the same table `b24lua doc NAME`
/// prints. A function is named by finding it in `b24`.
enum REPLHelp {
    static let summary = """
        Type a Lua expression to see its value, or a statement to run it; unfinished chunks
        continue on the next line (b24>> ). `_` holds the last result.
          help(b24.chat_user_delete)   :help NAME   help for a b24 function
          help(_)                      after an error: help for its code
          Tab                          complete globals, fields, argument keys
          Ctrl-C                       clear the line, or interrupt a running chunk
          :quit, Ctrl-D                leave
        """

    /// The help text for `name` ("chat_get" or "b24.chat_get").
    static func text(forName name: String, in stack: LuaStack) -> String {
        let key = name.hasPrefix("b24.") ? String(name.dropFirst(4)) : name
        let top = stack.top
        defer { stack.top = top }
        // `_doc` fills itself on its first read (prelude.lua), so the key is read with `__index`.
        guard !key.isEmpty, stack.reserve(4), stack.getGlobal("b24") == .table,
              stack.rawGet(-1, key: "_doc") == .table,
              (try? stack.get(-1, key: key)) == .string, let text = stack.string(at: -1)
        else { return "no help for \(name)" }
        return text
    }

    /// The key under which `b24` holds the function at `index`, found by identity.
    static func name(ofValueAt index: Int32, in stack: LuaStack) -> String? {
        let index = stack.absolute(index)
        let top = stack.top
        defer { stack.top = top }
        guard stack.reserve(4), stack.getGlobal("b24") == .table else { return nil }
        let b24 = stack.absolute(-1)
        var name: String?
        stack.forEachEntry(inTableAt: b24) { key, value in
            guard stack.rawEqual(value, index), stack.type(at: key) == .string else { return true }
            name = stack.string(at: key)
            return false
        }
        return name
    }

    /// The `code` of a b24.Error at `index` (read raw), so `help(err)` explains the error.
    static func errorCode(ofValueAt index: Int32, in stack: LuaStack) -> String? {
        ErrorObject.code(ofValueAt: stack.absolute(index), in: stack)
    }

    /// Defines the global `help`.
    static func install(in stack: LuaStack) {
        stack.register("help") { stack in
            let text: String
            switch stack.type(at: 1) {
            case .none, .nil: text = summary
            case .string: text = Self.text(forName: stack.string(at: 1) ?? "", in: stack)
            default:
                if let code = errorCode(ofValueAt: 1, in: stack) {
                    text = Self.text(forName: code, in: stack)
                } else if let name = name(ofValueAt: 1, in: stack) {
                    text = Self.text(forName: name, in: stack)
                } else {
                    text = "no help for this \(stack.typeName(at: 1)) (help knows the functions of b24)"
                }
            }
            print(text)
            fflush(nil)
            return 0
        }
    }
}
