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
            let wanted = s.string(at: 2)
            s.rawGet(1, key: "code")
            let code = s.string(at: -1)
            s.rawGet(1, key: "kind")
            let kind = s.string(at: -1)
            s.push(wanted != nil && (wanted == code || wanted == kind))
            return 1
        })
        s.rawSet(-2, key: "is")
        s.rawSet(-2, key: "__index")
        s.pop()
    }

    /// `b24: CODE (STATUS) METHOD: description`, as B24Error renders itself.
    static func oneLine(_ s: LuaStack, at index: Int32) -> String {
        let i = s.absolute(index)
        func field(_ k: String) -> String? {
            defer { s.pop() }
            s.rawGet(i, key: k)
            if let n = s.integer(at: -1) { return String(n) }
            return s.string(at: -1)
        }
        var line = "b24: " + (field("code") ?? "ERROR")
        if let status = field("status") { line += " (\(status))" }
        if let method = field("method") { line += " \(method)" }
        line += ": " + (field("description") ?? "")
        return line
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

/// Raises a `B24Error` from a Swift primitive as a b24.Error object.
struct RaisedB24Error: LuaRaisable {
    let error: B24Error
    func pushLuaError(onto stack: LuaStack) -> Bool {
        ErrorObject.push(error, stack)
        return false
    }
}
