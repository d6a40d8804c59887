import B24
import B24Wire
import LuaHost

/// A batch command as the prelude hands it to `core.batch` and `core.batch_start`:
/// `{key = "1", method = "crm.lead.get", params = {...}}`, read raw. The parameters are read
/// apart (a depth count of their own, the budget shared): the portal reads each command's
/// parameters as a document of their own (docs/lua-host.md, "Typed conversions").
extension BatchCommand: LuaRead {
    public static func read(at index: Int32, _ walk: inout LuaWalk) throws(LuaError) -> BatchCommand {
        let s = walk.stack
        guard s.type(at: index) == .table else { throw .value(.expected("table", got: s.typeName(at: index))) }
        let key = try walk.field("key", of: index, as: String?.self)
        guard let method = try walk.field("method", of: index, as: String?.self), !method.isEmpty else {
            throw .value(LuaValueFault("has no method name"))
        }
        s.rawGet(index, key: "params")
        defer { s.pop() }
        var params = JSONValue?.none  // (JSONValue is nil-literal expressible: `nil` would be null)
        do throws(LuaError) {
            if !s.isNoneOrNil(-1) { params = try walk.readApart(JSONValue.self, at: s.top) }
        } catch {
            throw error.inside(.name("params"))
        }
        return BatchCommand(key: key ?? "", method: method, params: LuaJSON.params(params))
    }
}

/// One command's outcome as `core.batch` and `core.batch_wait` give it to the prelude: its
/// envelope with `ok = true` (and `resumed = true` when `--resume` skipped it), or
/// `{ok = false, error = b24.Error}`. An answer too deep for Lua is that command's failure.
extension BatchOutcome: LuaPush {
    public func push(_ walk: inout LuaPushWalk) throws(LuaError) {
        let s = walk.stack
        switch self {
        case .success(let r):
            let base = s.top
            do throws(LuaError) {
                try r.envelope.push(&walk)
            } catch {
                s.top = base
                try BatchOutcome.failure(.unpushable(error, method: nil)).push(&walk)
                return
            }
            s.push(true)
            s.rawSet(-2, key: "ok")
            if r.resumed {
                s.push(true)
                s.rawSet(-2, key: "resumed")
            }
        case .failure(let e):
            try walk.openTable()
            defer { walk.closeTable() }
            s.push(false)
            s.rawSet(-2, key: "ok")
            ErrorObject.push(e, s, tracebackLevel: nil)
            s.rawSet(-2, key: "error")
        }
    }
}

extension B24Error {
    /// An answer Lua cannot be handed (nested past `LuaNesting.maxDepth`): the call was
    /// answered (and journaled as such), but its result does not reach the script.
    static func unpushable(_ error: LuaError, method: String?) -> B24Error {
        .badResponse(error.message(root: "the answer"), status: nil, method: method)
    }
}
