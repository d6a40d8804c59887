import CLua
import LuaHost
import Testing

@Suite struct SwiftFunctionTests {
    @Test func argumentsAndResults() throws {
        let lua = try LuaState()
        lua.main.register("add") { s in
            guard let a = s.integer(at: 1), let b = s.integer(at: 2) else {
                throw s.argumentError(1, "add", "integers expected")
            }
            s.push(a + b)
            s.push("sum")
            return 2
        }
        #expect(try lua.run("return add(2, 40)") == [.integer(42), .string("sum")])
    }

    @Test func thrownStringErrorCarriesPosition() throws {
        let lua = try LuaState()
        lua.main.register("fail") { s in throw s.argumentError(1, "fail", "number expected, got no value") }
        let r = try lua.run("local ok, e = pcall(function()\n  fail()\nend)\nreturn ok, e", name: "@script.lua")
        #expect(r[0] == .boolean(false))
        #expect(r[1] == .string("script.lua:2: bad argument #1 to 'fail' (number expected, got no value)"))
    }

    @Test func thrownObjectIsCaughtAsObject() throws {
        let lua = try LuaState()
        lua.main.register("fail") { _ in throw ObjectError(code: "ACCESS_DENIED") }
        let r = try lua.run("""
            local ok, e = pcall(fail)
            return ok, type(e), e.code, tostring(e)
            """)
        #expect(r == [.boolean(false), .string("table"), .string("ACCESS_DENIED"), .string("TestError: ACCESS_DENIED")])
    }

    @Test func uncaughtObjectKeepsItsShapeAndGetsATraceback() throws {
        let lua = try LuaState()
        lua.main.register("fail") { _ in throw ObjectError(code: "WRONG_REQUEST") }
        do {
            _ = try lua.run("local function step() fail() end\nstep()", name: "@job.lua")
            Issue.record("expected an error")
        } catch let error as LuaError {
            #expect(error.message == "TestError: WRONG_REQUEST")
            #expect(error.traceback?.contains("job.lua:1") == true)
            guard case .table(let t)? = error.value else { Issue.record("value lost"); return }
            #expect(t["code"] == .string("WRONG_REQUEST"))
        }
    }

    @Test func tenThousandErrorsLeakNoSwiftObject() throws {
        let counter = LiveCounter()
        do {
            let lua = try LuaState()
            lua.main.register("fail") { _ in
                let witness = Tracked(counter)  // would leak if a longjmp skipped this frame
                _ = witness
                throw ObjectError(code: "X")
            }
            lua.main.register("failString") { _ in
                let witness = Tracked(counter)
                _ = witness
                throw LuaError.message("plain")
            }
            let r = try lua.run("""
                local n = 0
                for i = 1, 5000 do
                  if not pcall(fail) then n = n + 1 end
                  if not pcall(failString) then n = n + 1 end
                end
                return n
                """)
            #expect(r == [.integer(10_000)])
            #expect(counter.created == 10_000)
            #expect(counter.live == 0)
        }
        #expect(counter.live == 0)
    }

    @Test func closuresAreReleasedWithTheState() throws {
        let counter = LiveCounter()
        do {
            let lua = try LuaState()
            let captured = Tracked(counter)
            lua.main.register("f") { _ in _ = captured; return 0 }
            _ = try lua.run("f(); f = nil; collectgarbage()")
        }
        #expect(counter.live == 0)
    }

    /// Lua -> Swift -> Lua -> Swift, with an error raised at each level and caught one above.
    @Test func nestingWithErrorsAtEachLevel() throws {
        let counter = LiveCounter()
        let lua = try LuaState()
        lua.main.register("inner") { s in
            let w = Tracked(counter)
            _ = w
            if s.bool(at: 1) { throw ObjectError(code: "INNER") }
            s.push("inner ok")
            return 1
        }
        lua.main.register("outer") { s in
            let w = Tracked(counter)
            _ = w
            // Calls back into Lua, protected; a Lua error there comes back as a Swift error.
            let fail = s.bool(at: 1)
            let base = s.top
            do {
                try s.load("local fail = ...; local ok, e = pcall(inner, fail); if not ok then error(e) end; return e",
                           chunkName: "=nested")
                s.push(fail)
                try s.call(nargs: 1, nresults: 1)
            } catch {
                s.top = base
                throw LuaError.message("outer saw: \((error as? LuaError)?.message ?? "\(error)")")
            }
            return 1
        }
        let r = try lua.run("""
            local a = outer(false)
            local ok, b = pcall(outer, true)
            local ok2, c = pcall(function() return outer(true) end)
            return a, ok, b, ok2
            """)
        #expect(r[0] == .string("inner ok"))
        #expect(r[1] == .boolean(false))
        #expect(r[2].stringValue?.contains("outer saw: TestError: INNER") == true)
        #expect(r[3] == .boolean(false))
        #expect(counter.live == 0)
    }

    @Test func memoryLimitFailsInsideLuaOnly() throws {
        let lua = try LuaState()
        lua.setMemoryLimit(bytes: lua.memoryUsed + 2_000_000)
        let r = try lua.run("""
            local ok, e = pcall(function() local t = {} for i = 1, 1e7 do t[i] = i end end)
            return ok, e
            """)
        #expect(r == [.boolean(false), .string("not enough memory")])
        #expect(try lua.run("return 1 + 1") == [.integer(2)])
    }
}
