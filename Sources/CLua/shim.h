/* Lua 5.4 for Swift: the headers, plus b24lua_-prefixed wrappers for the C macros Swift
   cannot import. Every wrapper is a one-liner over the documented macro. */
#ifndef B24LUA_CLUA_SHIM_H
#define B24LUA_CLUA_SHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

static inline int b24lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int b24lua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int b24lua_multret(void) { return LUA_MULTRET; }
static inline void b24lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void b24lua_newtable(lua_State *L) { lua_newtable(L); }
static inline int b24lua_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline const char *b24lua_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
static inline lua_Number b24lua_tonumber(lua_State *L, int i) { return lua_tonumber(L, i); }
static inline lua_Integer b24lua_tointeger(lua_State *L, int i) { return lua_tointeger(L, i); }
static inline int b24lua_isnil(lua_State *L, int i) { return lua_isnil(L, i); }
static inline int b24lua_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline int b24lua_istable(lua_State *L, int i) { return lua_istable(L, i); }
static inline int b24lua_isfunction(lua_State *L, int i) { return lua_isfunction(L, i); }
static inline void b24lua_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline void *b24lua_newuserdata(lua_State *L, size_t size) { return lua_newuserdatauv(L, size, 1); }
static inline void b24lua_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void b24lua_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void b24lua_replace(lua_State *L, int i) { lua_replace(L, i); }
static inline int b24lua_getuservalue(lua_State *L, int i) { return lua_getiuservalue(L, i, 1); }
static inline int b24lua_setuservalue(lua_State *L, int i) { return lua_setiuservalue(L, i, 1); }
static inline const char *b24lua_version_string(void) { return LUA_RELEASE; }
static inline const char *b24lua_copyright_string(void) { return LUA_COPYRIGHT; }
static inline int b24lua_ok(void) { return LUA_OK; }
static inline int b24lua_errfile(void) { return LUA_ERRFILE; }
static inline int b24lua_getmetatable_named(lua_State *L, const char *name) { return luaL_getmetatable(L, name); }
static inline int b24lua_yield_status(void) { return LUA_YIELD; }

#endif
