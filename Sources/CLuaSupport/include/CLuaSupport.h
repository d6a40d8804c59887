/* The C side of b24lua's Lua host: everything that may longjmp stays here.
   Swift bodies exposed to Lua run behind b24lua_trampoline and report errors by return value;
   calls that may run Lua code (metamethods) are done by the helpers below under lua_pcall. */
#ifndef B24LUA_CLUASUPPORT_H
#define B24LUA_CLUASUPPORT_H

#include <stddef.h>
#include <lua.h>

/* What a Swift body returns instead of a result count: the error value is on top of the stack. */
#define B24LUA_RAISE (-1)
/* Same, but the value is a message string that should get the caller's "chunk:line:" prefix. */
#define B24LUA_RAISE_WHERE (-2)

/* The one Swift entry point: runs the Swift function whose box is `box`. */
typedef int (*b24lua_Dispatch)(lua_State *L, void *box);
/* Releases a box when Lua collects the closure that owns it. */
typedef void (*b24lua_Release)(void *box);

void b24lua_set_callbacks(b24lua_Dispatch dispatch, b24lua_Release release);

/* A state with an allocator that counts bytes; the limit (0 = none) is enforced only while Lua
   code runs, never while a Swift body runs, so an allocation cannot longjmp over Swift. */
lua_State *b24lua_newstate(void);
void b24lua_set_memory_limit(lua_State *L, size_t bytes);
size_t b24lua_memory_used(lua_State *L);
size_t b24lua_memory_limit(lua_State *L);  /* 0: none */

/* Pushes a Lua C closure that calls the Swift function `box` (already retained for Lua). */
void b24lua_push_swift_function(lua_State *L, void *box);

/* Stops the collector until Lua code runs again, if a Swift body (or the host outside Lua
   code) is running and has not stopped it yet. Called before anything that may step the
   collector: creating strings, tables, userdata, closures, or loading code. */
void b24lua_hold_collector(lua_State *L);

/* lua_pcall with the host's message handler: string errors get a traceback appended; error
   objects stay objects (a `traceback` field is set on tables that have a __tostring). */
int b24lua_pcall_traced(lua_State *L, int nargs, int nresults);

/* Protected helpers: each returns a Lua status; on LUA_OK the result is on top. */
int b24lua_tostring_protected(lua_State *L, int idx);          /* pushes luaL_tolstring(idx) */
int b24lua_gettable_protected(lua_State *L, int idx);          /* key on top -> t[key] */
int b24lua_settable_protected(lua_State *L, int idx);          /* key, value on top -> t[key]=value */
int b24lua_openlibs_protected(lua_State *L);
int b24lua_traceback_protected(lua_State *L, lua_State *L1, const char *msg, int level);

/* Exit statuses of a stop the script did not honour in time (the watchdog's). */
#define B24LUA_EXIT_INTERRUPTED 130
#define B24LUA_EXIT_TIMEOUT 124

/* Ctrl-C and --timeout for the state `L`, whose thread is the calling one: SIGINT and the
   deadline only set a hook, which raises the stop at the next Lua instruction, in `L` and in
   every coroutine being resumed; a watchdog ends the process when a stop is not honoured
   within a short grace. No hook is installed while no stop is pending. */
void b24lua_stops_install(lua_State *L);
void b24lua_stops_uninstall(void);
/* --timeout: the stop is requested `seconds` from now. */
void b24lua_stop_after(double seconds);
/* What a SIGINT does, for the host's own use. */
void b24lua_request_interrupt(void);
/* 0: no stop pending; 1: interrupt; 2: timeout. The stop stays pending until cleared. */
int b24lua_stop_kind(void);
const char *b24lua_stop_message(void);
void b24lua_stop_clear(void);

/* Replaces coroutine.resume and coroutine.wrap by versions that keep the chain of running
   coroutines, so that a stop reaches the innermost one. */
int b24lua_link_coroutines_protected(lua_State *L);

/* Closes a state made by b24lua_newstate, running its finalizers inside the memory limit. */
void b24lua_close(lua_State *L);

/* ---- --safe (docs/lua-host.md, "--safe: running a script someone else wrote") ---- */

/* A directory to open files beneath: a descriptor (O_PATH), or -1 with errno. */
int b24lua_open_directory(const char *path);

/* What b24lua_safe_open refuses, besides an errno value. */
#define B24LUA_SAFE_DANGLING (-1) /* a link to nothing: the file would be created through it */
#define B24LUA_SAFE_LINKED (-2)   /* a regular file with other hard links, opened for writing */
#define B24LUA_SAFE_SPECIAL (-3)  /* not a regular file or a directory, or on /proc, /sys or /dev */

/* Opens `rel` beneath the directory `rootfd`: every component, links included, resolves
   without leaving it (openat2 RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, else a walk with
   O_NOFOLLOW; an escape is EXDEV). access: O_RDONLY, O_WRONLY or O_RDWR; append, create and
   truncate as fopen's modes say. Never creates a file through a link, never opens a file with
   other hard links for writing, opens only regular files and directories. Returns 0 with the
   descriptor in *fd, an errno value, or a B24LUA_SAFE_* code. walk_only: walk even where the
   kernel has openat2 (for tests). */
int b24lua_safe_open(int rootfd, const char *rel, int access, int append, int create, int truncate,
                     int walk_only, int *fd);

/* Pushes an io library file handle for `fd` (fdopen with `mode`), which it then owns. Returns
   0 when fdopen fails: the descriptor is closed, errno says why, nothing is pushed. */
int b24lua_push_file(lua_State *L, int fd, const char *mode);

/* The __call of nil's metatable under --safe: raises what calling nil raises, "attempt to call
   a nil value (field 'getenv')", plus, when upvalue 1 (a table: field name -> full name) knows
   the name, ": os.getenv is not available under --safe". */
int b24lua_safe_nil_call(lua_State *L);

#endif
