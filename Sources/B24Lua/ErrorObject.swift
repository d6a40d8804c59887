import B24
import LuaHost

/// `b24.Error`: the Lua face of `B24Error` (README "A tour of `b24`"). A table with fields `code`,
/// `description`, `status`, `method`, `argument`, `kind`, `retryable`, `outcome_unknown`,
/// `traceback`, and methods through the metatable (`is`). Tables built in Lua with this
/// metatable behave the same: everything reads the fields raw.
public enum ErrorObject {
    public static let metatableName = "b24.Error"

    static func defineMetatable(_ s: LuaStack) {
        guard s.newMetatable(named: metatableName) else { s.pop(); return }
        s.push(metatableName)
        s.rawSet(-2, key: "__name")
        s.push(function: { s in
            guard s.type(at: 1) == .table else {
                throw s.argumentError(1, "__tostring", "b24.Error expected, got \(s.typeName(at: 1))")
            }
            s.push(oneLine(s, at: 1))
            return 1
        })
        s.rawSet(-2, key: "__tostring")
        s.newTable()
        s.push(function: { s in
            guard s.type(at: 1) == .table else { throw s.argumentError(1, "is", "b24.Error expected") }
            let wanted = try? s.read(String.self, at: 2)
            let fields = try s.read(Fields.self, at: 1)
            s.push(wanted != nil && (wanted == fields.code || wanted == fields.kind))
            return 1
        })
        s.rawSet(-2, key: "is")
        s.rawSet(-2, key: "__index")
        s.pop()
    }

    /// `b24: CODE (STATUS) METHOD: description`, as B24Error renders itself.
    static func oneLine(_ s: LuaStack, at index: Int32) -> String {
        let f = (try? s.read(Fields.self, at: index)) ?? Fields()
        var line = "b24: " + (f.code ?? "ERROR")
        if let status = f.status { line += " (\(status))" }
        if let method = f.method { line += " \(method)" }
        line += ": " + (f.description ?? "")
        return line
    }

    /// The `code` of the b24.Error at `index` (read raw); nil for any other value.
    public static func code(ofValueAt index: Int32, in s: LuaStack) -> String? {
        guard s.type(at: index) == .table, s.hasMetatable(at: index, named: metatableName) else { return nil }
        return try? s.read(Fields.self, at: index).code
    }

    /// The fields `tostring`, `is` and `help` read from a b24.Error table, raw: one built by
    /// Swift (`B24Error`'s `LuaPush`) or by Lua. A field that is neither a string nor an
    /// integer reads as absent, so a hostile table still renders.
    struct Fields: LuaRead {
        var code, status, method, description, kind: String?

        /// A string, or an integer as its digits; anything else is absent.
        struct Text: LuaRead {
            var text: String?
            static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Text {
                if let n = walk.stack.integer(at: index) { return Text(text: String(n)) }
                return Text(text: try walk.stack.type(at: index) == .string ? String.read(at: index, &walk) : nil)
            }
        }

        static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> Fields {
            guard walk.stack.type(at: index) == .table else { return Fields() }
            return Fields(code: try walk.field("code", of: index, as: Text.self).text,
                          status: try walk.field("status", of: index, as: Text.self).text,
                          method: try walk.field("method", of: index, as: Text.self).text,
                          description: try walk.field("description", of: index, as: Text.self).text,
                          kind: try walk.field("kind", of: index, as: Text.self).text)
        }
    }

    /// Pushes `e` as a b24.Error table, with the traceback of `s`'s thread from `level`.
    static func push(_ e: B24Error, _ s: LuaStack, tracebackLevel: Int32? = 1) {
        s.reserve(6)
        s.newTable(hashCount: 10)
        func set(_ k: String, _ v: String?) { if let v { s.push(Redaction.redact(v)); s.rawSet(-2, key: k) } }
        set("code", e.code)
        set("description", e.message)
        if let st = e.status { s.push(st); s.rawSet(-2, key: "status") }
        set("method", e.method)
        set("argument", e.argument)
        set("kind", e.kind.rawValue)
        s.push(e.retryable); s.rawSet(-2, key: "retryable")
        s.push(e.outcomeUnknown); s.rawSet(-2, key: "outcome_unknown")
        if let level = tracebackLevel {
            s.push(s.traceback(level: level))
            s.rawSet(-2, key: "traceback")
        }
        s.setMetatable(named: metatableName)
    }
}

/// A `B24Error` thrown by a Swift primitive is raised as a b24.Error object, with the traceback
/// of where it was raised: the error renders itself (docs/architecture.md rule 4).
extension B24Error: LuaPush {
    public func push(_ walk: inout LuaPushWalk) {
        ErrorObject.push(self, walk.stack)
    }
}
