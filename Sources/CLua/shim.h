/* Lua 5.4 for Swift: the headers, plus b24lua_-prefixed wrappers for the C macros Swift
   cannot import. Every wrapper is a one-liner over the documented macro. */
#ifndef B24LUA_CLUA_SHIM_H
#define B24LUA_CLUA_SHIM_H

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

static inline int b24lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int b24lua_multret(void) { return LUA_MULTRET; }
static inline void b24lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void b24lua_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline void *b24lua_newuserdata(lua_State *L, size_t size) { return lua_newuserdatauv(L, size, 1); }
static inline const char *b24lua_version_string(void) { return LUA_RELEASE; }
static inline const char *b24lua_copyright_string(void) { return LUA_COPYRIGHT; }
static inline int b24lua_errfile(void) { return LUA_ERRFILE; }
static inline int b24lua_getmetatable_named(lua_State *L, const char *name) { return luaL_getmetatable(L, name); }

#endif
