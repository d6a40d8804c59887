// The `b24` Lua module joins LuaHost and B24 (issue 5).
import B24
import LuaHost
