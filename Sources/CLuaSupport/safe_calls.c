/* --safe keeps the functions it removes absent (nil), so a script can test for them; calling
   one says why it is missing (docs/lua-host.md, "--safe: running a script someone else wrote"). */
#include "CLuaSupport.h"

#include <string.h>
#include <lauxlib.h>

/* Whether the caller read removed function `name` from its library on the line it calls from:
   the library's __index notes the last such read in the upvalue table as {name, source, line}
   (LuaStack.safeModeSource). A field of the same name on another table was never noted. */
static int read_here(lua_State *L, const char *name) {
    lua_Debug caller;
    if (!lua_getstack(L, 1, &caller) || !lua_getinfo(L, "Sl", &caller)) return 0;
    lua_rawgeti(L, lua_upvalueindex(1), 1);
    lua_rawgeti(L, lua_upvalueindex(1), 2);
    lua_rawgeti(L, lua_upvalueindex(1), 3);
    int same = lua_type(L, -3) == LUA_TSTRING && strcmp(lua_tostring(L, -3), name) == 0
        && lua_type(L, -2) == LUA_TSTRING && caller.source && strcmp(lua_tostring(L, -2), caller.source) == 0
        && lua_isinteger(L, -1) && lua_tointeger(L, -1) == caller.currentline;
    lua_pop(L, 3);
    return same;
}

int b24lua_safe_nil_call(lua_State *L) {
    int base = lua_gettop(L);  /* nil and the call's arguments */
    lua_Debug ar;
    const char *name = NULL, *kind = NULL;
    /* The name the caller called nil by, as Lua's own message gives it (funcnamefromcall). */
    if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar)) {
        name = ar.name;
        kind = ar.namewhat;
    }
    luaL_where(L, 1);
    if (name && kind && *kind) {
        lua_pushfstring(L, "attempt to call a nil value (%s '%s')", kind, name);
    } else {
        lua_pushliteral(L, "attempt to call a nil value");
    }
    if (name && kind && (strcmp(kind, "field") == 0 || strcmp(kind, "method") == 0)
        && lua_type(L, lua_upvalueindex(1)) == LUA_TTABLE && read_here(L, name)) {
        lua_pushstring(L, name);
        if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TSTRING) {
            lua_pushfstring(L, ": %s is not available under --safe", lua_tostring(L, -1));
            lua_remove(L, -2);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_concat(L, lua_gettop(L) - base);
    return lua_error(L);
}
